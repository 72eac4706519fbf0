package io.turnpike.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The JSON Schema (draft 2020-12) of turnpike.yaml, made by running the config's own binders over
 * {@link Recording recording} nodes: whatever a binder reads, checks or requires is what the
 * schema allows, so a key added to a section is in the schema with no second edit. Descriptions
 * and defaults come from the config reference ({@link ConfigReference}).
 *
 * <p>Where a binder branches on a value's shape (a node as a URL or a mapping, a rate limit as a
 * rate, a mapping or a list), the first pass takes one branch and further passes the others, each
 * flipping one answer the passes before it had not yet been asked; the schema allows every shape
 * some pass accepted ({@code anyOf}). A key is required when every pass that saw its mapping
 * required it. {@code ${NAME}} placeholders are allowed wherever a scalar other than free text is.
 */
public final class ConfigSchema {
    static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";
    /** A guard against a binder whose branches multiply: far above the passes the config needs. */
    private static final int MAX_PASSES = 20_000;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Recording.Shapes shapes;
    private final ConfigReference reference;
    private final int passes;

    private ConfigSchema(Recording.Shapes shapes, ConfigReference reference, int passes) {
        this.shapes = shapes;
        this.reference = reference;
        this.passes = passes;
    }

    /** The schema as printed by {@code turnpike schema} and served at {@code GET /admin/schema}. */
    public static String text() {
        return Holder.TEXT;
    }

    private static final class Holder {
        static final String TEXT = write(record(ConfigLoader::bind, ConfigReference.packed()).document());
    }

    /** Runs the passes of {@code binder} over recording roots (see the class comment). */
    static ConfigSchema record(Consumer<ConfigNode> binder, ConfigReference reference) {
        record Pass(Map<String, Recording.Shape> answers, Set<String> asked) {}
        Recording.Shapes shapes = new Recording.Shapes();
        Deque<Pass> queue = new ArrayDeque<>();
        Set<Map<String, Recording.Shape>> seen = new HashSet<>();
        queue.add(new Pass(Map.of(), Set.of()));
        int n = 0;
        while (!queue.isEmpty()) {
            if (n == MAX_PASSES) throw new IllegalStateException("the config's shape needs more than " + MAX_PASSES + " passes");
            Pass pass = queue.poll();
            Recording recording = new Recording(pass.answers(), shapes, n++);
            binder.accept(ConfigNode.recording(recording));
            Set<String> asked = new HashSet<>(pass.asked());
            asked.addAll(recording.questions().keySet());
            recording.questions().forEach((path, others) -> {
                if (pass.asked().contains(path) || pass.answers().containsKey(path)) return;
                for (Recording.Shape other : others) {
                    Map<String, Recording.Shape> answers = new LinkedHashMap<>(pass.answers());
                    answers.put(path, other);
                    if (seen.add(answers)) queue.add(new Pass(answers, asked));
                }
            });
        }
        return new ConfigSchema(shapes, reference, n);
    }

    int passes() {
        return passes;
    }

    /** The paths of the values the schema describes, each with whether the reference describes it. */
    Map<String, Boolean> described() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        walk("", out);
        return out;
    }

    private void walk(String path, Map<String, Boolean> out) {
        Recording.At at = shapes.get(path);
        if (at == null) return;
        if (at.object) {
            for (String key : keys(at)) {
                String child = child(path, key);
                out.put(child, reference.at(child) != null && reference.at(child).description() != null);
                walk(child, out);
            }
            walk(child(path, "*"), out);
        }
        if (at.array) walk(path + "[]", out);
    }

    ObjectNode document() {
        ObjectNode doc = JSON.objectNode();
        doc.put("$schema", DIALECT);
        doc.put("title", "turnpike.yaml");
        doc.put("description", "The Turnpike API gateway's config file. Made by `turnpike schema` from the code that "
                + "reads the file; descriptions and defaults from docs/CONFIG.md.");
        doc.setAll(value(""));
        return doc;
    }

    /** Every shape accepted at {@code path}, as one schema. */
    private ObjectNode value(String path) {
        Recording.At at = shapes.get(path);
        if (at == null || at.leaves.contains(Leaf.ANY)) return JSON.objectNode();
        List<ObjectNode> alternatives = new ArrayList<>();
        if (at.object) alternatives.add(object(path, at));
        List<Leaf> leaves = new ArrayList<>(at.leaves);
        if (at.array) {
            ObjectNode array = JSON.objectNode().put("type", "array");
            array.set("items", value(path + "[]"));
            alternatives.add(array);
            Recording.At item = shapes.get(path + "[]");
            if (at.singleOk && item != null) {
                item.leaves.forEach(l -> {
                    if (!leaves.contains(l)) leaves.add(l);
                });
            }
        }
        alternatives.addAll(scalars(leaves));
        if (alternatives.size() == 1) return alternatives.get(0);
        ObjectNode any = JSON.objectNode();
        ArrayNode list = any.putArray("anyOf");
        alternatives.forEach(list::add);
        return any;
    }

    /** Free text gives way to any stricter reading of the same value; placeholders go where text does not. */
    private static List<ObjectNode> scalars(List<Leaf> leaves) {
        boolean typed = leaves.stream().anyMatch(l -> !(l instanceof Leaf.Text));
        List<ObjectNode> out = new ArrayList<>();
        Set<JsonNode> seen = new LinkedHashSet<>();
        for (Leaf leaf : leaves) {
            if (typed && leaf instanceof Leaf.Text) continue;
            for (ObjectNode alternative : LeafSchema.alternatives(leaf)) {
                if (seen.add(alternative)) out.add(alternative);
            }
        }
        if (typed) out.add(LeafSchema.placeholder());
        return out;
    }

    private ObjectNode object(String path, Recording.At at) {
        ObjectNode o = JSON.objectNode().put("type", "object");
        List<String> keys = keys(at);
        if (!keys.isEmpty()) {
            ObjectNode properties = o.putObject("properties");
            for (String key : keys) {
                String child = child(path, key);
                properties.set(key, described(child, value(child)));
            }
        }
        if (at.closed) {
            o.put("additionalProperties", false);
        } else if (shapes.get(child(path, "*")) != null) {
            o.set("additionalProperties", described(child(path, "*"), value(child(path, "*"))));
        }
        List<String> required = keys.stream().filter(at::required).toList();
        if (!required.isEmpty()) {
            ArrayNode r = o.putArray("required");
            required.forEach(r::add);
        }
        return o;
    }

    /** The path of a key's value, as {@link ConfigNode} writes it ({@code *} for any key of a mapping of names). */
    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static List<String> keys(Recording.At at) {
        return new ArrayList<>(at.closed ? at.accepted : at.keys);
    }

    /** The reference's description and default put on {@code schema}; a default only when it fits. */
    private ObjectNode described(String path, ObjectNode schema) {
        ConfigReference.Row row = reference.at(path);
        if (row == null) return schema;
        ObjectNode out = JSON.objectNode();
        if (row.description() != null) out.put("description", row.description());
        JsonNode dflt = row.defaultValue() == null ? null : parse(row.defaultValue());
        if (dflt != null && fits(path, dflt)) out.set("default", dflt);
        out.setAll(schema);
        return out;
    }

    private static JsonNode parse(String yaml) {
        try {
            return YamlJson.of(yaml);
        } catch (RuntimeException e) {
            return null; // prose in code quotes, not a value
        }
    }

    /** A shallow check: the default is a shape recorded at {@code path}, and its scalars read right. */
    private boolean fits(String path, JsonNode v) {
        Recording.At at = shapes.get(path);
        if (at == null) return false;
        if (at.leaves.contains(Leaf.ANY)) return true;
        if (v.isObject()) {
            if (!at.object) return false;
            for (var it = v.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (at.closed && !at.accepted.contains(key)) return false;
                if (!fits(child(path, key), v.get(key))) return false;
            }
            return true;
        }
        if (v.isArray()) {
            if (!at.array) return false;
            for (JsonNode item : v) if (!fits(path + "[]", item)) return false;
            return true;
        }
        if (at.leaves.stream().anyMatch(l -> LeafSchema.fits(l, v))) return true;
        Recording.At item = shapes.get(path + "[]");
        return at.singleOk && item != null && item.leaves.stream().anyMatch(l -> LeafSchema.fits(l, v));
    }

    static String write(JsonNode doc) {
        DefaultIndenter lines = DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)).withObjectIndenter(lines);
        printer.indentArraysWith(lines);
        try {
            return new ObjectMapper().writer(printer).writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
