package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML as JSON the way an editor's YAML 1.2 reader types it, which is what a JSON Schema for the
 * file is checked against: plain {@code true}/{@code false}, numbers and {@code null}/{@code ~}
 * are typed, everything else ({@code off}, {@code yes}, {@code 1_000}) is text. Merge keys are
 * applied like the loader applies them (keys written in the mapping win).
 */
final class YamlJson {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final int MAX_DEPTH = 64; // aliases can make a tree recursive

    private YamlJson() {}

    /** One YAML document as JSON; null for an empty text. */
    static JsonNode of(String yaml) {
        Node root = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
        return root == null ? null : of(root, 0);
    }

    private static JsonNode of(Node node, int depth) {
        if (depth > MAX_DEPTH) return JSON.nullNode();
        if (node instanceof MappingNode m) {
            ObjectNode o = JSON.objectNode();
            List<NodeTuple> merged = new ArrayList<>();
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode().getTag().equals(Tag.MERGE)) {
                    merge(t.getValueNode(), merged);
                } else if (t.getKeyNode() instanceof ScalarNode k) {
                    o.set(k.getValue(), of(t.getValueNode(), depth + 1));
                }
            }
            for (NodeTuple t : merged) {
                if (t.getKeyNode() instanceof ScalarNode k && !o.has(k.getValue())) {
                    o.set(k.getValue(), of(t.getValueNode(), depth + 1));
                }
            }
            return o;
        }
        if (node instanceof SequenceNode s) {
            ArrayNode a = JSON.arrayNode();
            s.getValue().forEach(item -> a.add(of(item, depth + 1)));
            return a;
        }
        return scalar((ScalarNode) node);
    }

    private static void merge(Node value, List<NodeTuple> into) {
        if (value instanceof MappingNode m) {
            into.addAll(m.getValue());
        } else if (value instanceof SequenceNode s) {
            s.getValue().forEach(v -> merge(v, into));
        }
    }

    private static JsonNode scalar(ScalarNode s) {
        String v = s.getValue();
        if (s.getScalarStyle() != org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN) return JSON.textNode(v);
        if (v.isEmpty() || v.equals("~") || v.equals("null") || v.equals("Null") || v.equals("NULL")) return JSON.nullNode();
        if (v.equals("true") || v.equals("True") || v.equals("TRUE")) return JSON.booleanNode(true);
        if (v.equals("false") || v.equals("False") || v.equals("FALSE")) return JSON.booleanNode(false);
        if (INTEGER.matcher(v).matches()) return JSON.numberNode(new BigInteger(v));
        if (DECIMAL.matcher(v).matches()) return JSON.numberNode(new BigDecimal(v));
        return JSON.textNode(v);
    }
}
