package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.yaml.snakeyaml.nodes.Tag;

/** A YAML value of the config read as a JSON value (for constants, fallbacks and call bodies). */
final class JsonValues {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonValues() {}

    static JsonNode of(ConfigNode n) {
        if (n.recordsAnyValue()) return F.nullNode(); // building the schema: any value goes here
        if (!n.isPresent()) return F.nullNode();
        if (n.isMapping()) {
            ObjectNode o = F.objectNode();
            n.entries().forEach((k, e) -> o.set(k, of(e.value())));
            return o;
        }
        if (n.isSequence()) {
            ArrayNode a = F.arrayNode();
            for (ConfigNode item : n.items("a list", false)) a.add(of(item));
            return a;
        }
        String t = n.text("a value");
        if (t == null) return F.nullNode();
        Tag tag = n.node().getTag();
        try {
            if (Tag.INT.equals(tag)) return F.numberNode(Long.parseLong(t.strip()));
            if (Tag.FLOAT.equals(tag)) return F.numberNode(Double.parseDouble(t.strip()));
        } catch (NumberFormatException e) {
            return F.textNode(t);
        }
        if (Tag.BOOL.equals(tag)) return F.booleanNode(Boolean.parseBoolean(t.strip()));
        return F.textNode(t);
    }
}
