package io.turnpike.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /orders?user=ID}, {@code GET /orders/{id}}. */
final class OrdersApi implements SampleApi {

    private static final List<Map<String, Object>> ORDERS = List.of(
            order(1001, 1, "book-1", 2),
            order(1002, 1, "lamp-7", 1),
            order(1003, 2, "pen-3", 10),
            order(1004, 3, "book-1", 1));

    @Override
    public SampleReply handle(String method, String path, Map<String, List<String>> query, String body) {
        if (path.equals("/orders")) {
            if (!method.equals("GET")) return SampleReply.methodNotAllowed("GET");
            List<String> user = query.getOrDefault("user", List.of());
            List<Map<String, Object>> found = user.isEmpty()
                    ? ORDERS
                    : ORDERS.stream().filter(o -> String.valueOf(o.get("user")).equals(user.get(0))).toList();
            return SampleReply.ok(SampleReply.object("orders", found));
        }
        String id = SampleApi.segmentAfter(path, "/orders/");
        if (id == null) return null;
        if (!method.equals("GET")) return SampleReply.methodNotAllowed("GET");
        return ORDERS.stream()
                .filter(o -> String.valueOf(o.get("id")).equals(id))
                .findFirst()
                .map(o -> SampleReply.ok(new LinkedHashMap<>(o)))
                .orElseGet(() -> SampleReply.error(404, "no order " + id));
    }

    private static Map<String, Object> order(long id, long user, String item, int quantity) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", id);
        o.put("user", user);
        o.put("item", item);
        o.put("quantity", quantity);
        return o;
    }
}
