package io.turnpike.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /items}, {@code GET /items/{id}}, {@code GET /recommendations/{segment}}. */
final class CatalogApi implements SampleApi {

    private static final List<Map<String, Object>> ITEMS = List.of(
            item("book-1", "The Art of Computer Programming", 199.00, "pro"),
            item("lamp-7", "Desk lamp", 34.50, "free"),
            item("pen-3", "Fountain pen", 12.00, "free"),
            item("chair-2", "Standing desk chair", 289.00, "pro"));

    @Override
    public SampleReply handle(String method, String path, Map<String, List<String>> query, String body) {
        if (path.equals("/items")) {
            if (!method.equals("GET")) return SampleReply.methodNotAllowed("GET");
            return SampleReply.ok(SampleReply.object("items", ITEMS));
        }
        String id = SampleApi.segmentAfter(path, "/items/");
        if (id != null) {
            if (!method.equals("GET")) return SampleReply.methodNotAllowed("GET");
            return ITEMS.stream()
                    .filter(i -> i.get("id").equals(id))
                    .findFirst()
                    .map(i -> SampleReply.ok(new LinkedHashMap<>(i)))
                    .orElseGet(() -> SampleReply.error(404, "no item " + id));
        }
        String segment = SampleApi.segmentAfter(path, "/recommendations/");
        if (segment == null) return null;
        if (!method.equals("GET")) return SampleReply.methodNotAllowed("GET");
        Map<String, Object> reply = SampleReply.object("segment", segment);
        reply.put("items", ITEMS.stream().filter(i -> i.get("segment").equals(segment)).toList());
        return SampleReply.ok(reply);
    }

    private static Map<String, Object> item(String id, String name, double price, String segment) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("id", id);
        i.put("name", name);
        i.put("price", price);
        i.put("segment", segment);
        return i;
    }
}
