package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML node tree as JSON, values as written: {@code ${VAR}} stays unexpanded, so an environment
 * value never leaves the process this way. Scalars become numbers or booleans only when the JSON
 * form reads back as the same text ({@code 8080}, {@code true}); {@code off}, {@code 0123} or
 * {@code 1.50} stay strings, because the config types values from their text.
 */
final class NodeJson {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");
    // Aliases can make a tree recursive; a config is never nearly this deep.
    private static final int MAX_DEPTH = 64;

    private NodeJson() {}

    static JsonNode of(Node node) {
        return of(node, 0);
    }

    private static JsonNode of(Node node, int depth) {
        if (node == null || depth > MAX_DEPTH) return JSON.nullNode();
        if (node instanceof MappingNode m) {
            ObjectNode o = JSON.objectNode();
            for (NodeTuple t : m.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
                o.set(key, of(t.getValueNode(), depth + 1));
            }
            return o;
        }
        if (node instanceof SequenceNode s) {
            ArrayNode a = JSON.arrayNode();
            s.getValue().forEach(item -> a.add(of(item, depth + 1)));
            return a;
        }
        ScalarNode s = (ScalarNode) node;
        String v = s.getValue();
        if (s.getTag().equals(Tag.NULL)) return JSON.nullNode();
        if (s.getTag().equals(Tag.INT) && INTEGER.matcher(v).matches()) return JSON.numberNode(Long.parseLong(v));
        if (s.getTag().equals(Tag.BOOL) && (v.equals("true") || v.equals("false"))) {
            return JSON.booleanNode(v.equals("true"));
        }
        return JSON.textNode(v);
    }
}
