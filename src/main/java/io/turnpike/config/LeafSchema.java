package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@link Leaf} as JSON Schema (draft 2020-12) alternatives, and whether a value as an editor
 * reads it (see {@link YamlJson}) fits it. Patterns are written to mean the same to ECMA-262, which
 * JSON Schema uses, and to {@link java.util.regex}, which checks defaults here.
 */
final class LeafSchema {
    static final String PLACEHOLDER = "\\$\\{";
    static final String PERCENT = "^\\s*(100(\\.0*)?|[0-9]{1,2}(\\.[0-9]*)?)\\s*%\\s*$";
    /** A number written as text ({@code "8080"}, {@code "0.0002"}): values are read as text, so it counts. */
    static final String BOOL_TEXT = "^\\s*(true|false)\\s*$";
    static final String WHOLE_TEXT = "^\\s*[-+]?[0-9]+\\s*$";
    static final String DECIMAL_TEXT = "^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern CANONICAL_INT = Pattern.compile("-?(0|[1-9][0-9]{0,17})");

    private LeafSchema() {}

    /** The alternatives {@code leaf} allows, each a schema of its own. */
    static List<ObjectNode> alternatives(Leaf leaf) {
        List<ObjectNode> out = new ArrayList<>();
        switch (leaf) {
            case Leaf.Text t -> out.add(type("string", "number", "boolean"));
            case Leaf.Any a -> out.add(JSON.objectNode());
            case Leaf.Bool b -> {
                out.add(type("boolean"));
                out.add(pattern(BOOL_TEXT));
            }
            case Leaf.Whole w -> {
                ObjectNode o = type("integer").put("minimum", w.min());
                if (w.max() < Long.MAX_VALUE) o.put("maximum", w.max());
                out.add(o);
                out.add(pattern(WHOLE_TEXT));
            }
            case Leaf.Decimal d -> {
                ObjectNode o = type("number").put("minimum", d.min());
                if (Double.isFinite(d.max())) o.put("maximum", d.max());
                out.add(o);
                out.add(pattern(DECIMAL_TEXT));
            }
            case Leaf.Share s -> {
                out.add(type("number").put(s.zeroOk() ? "minimum" : "exclusiveMinimum", 0).put("maximum", 1));
                out.add(pattern(PERCENT));
                out.add(pattern(DECIMAL_TEXT));
            }
            case Leaf.Duration d -> {
                out.add(pattern(DurationFormat.schemaPattern(d.zeroOk())));
                if (d.zeroOk()) out.add(JSON.objectNode().put("const", 0));
            }
            case Leaf.Size z -> {
                ObjectNode o = type("integer").put("minimum", z.min());
                if (z.max() < Long.MAX_VALUE) o.put("maximum", z.max());
                out.add(o);
                out.add(pattern(SizeFormat.schemaPattern()));
            }
            case Leaf.Matching m -> out.add(pattern(m.regex()));
            case Leaf.Words w -> {
                ArrayNode values = JSON.arrayNode();
                for (String v : w.values()) {
                    values.add(v);
                    // values are read as text: a word that YAML types otherwise may be written so too
                    if (v.equals("true") || v.equals("false")) values.add(Boolean.parseBoolean(v));
                    if (CANONICAL_INT.matcher(v).matches()) values.add(Long.parseLong(v));
                }
                ObjectNode o = JSON.objectNode();
                o.set("enum", values);
                out.add(o);
                if (w.ignoreCase()) out.add(pattern(anyCase(w.values())));
            }
            case Leaf.Either e -> e.forms().forEach(f -> out.addAll(alternatives(f)));
        }
        return out;
    }

    /** Whether an editor's reading of a value (a default, say) is one {@code leaf} allows. */
    static boolean fits(Leaf leaf, JsonNode v) {
        return switch (leaf) {
            case Leaf.Text t -> v.isValueNode() && !v.isNull();
            case Leaf.Any a -> true;
            case Leaf.Bool b -> v.isBoolean() || matches(BOOL_TEXT, v);
            case Leaf.Whole w -> v.isIntegralNumber() && v.asLong() >= w.min() && v.asLong() <= w.max()
                    || matches(WHOLE_TEXT, v);
            case Leaf.Decimal d -> v.isNumber() && v.asDouble() >= d.min() && v.asDouble() <= d.max()
                    || matches(DECIMAL_TEXT, v);
            case Leaf.Share s -> v.isNumber() ? (s.zeroOk() ? v.asDouble() >= 0 : v.asDouble() > 0) && v.asDouble() <= 1
                    : matches(PERCENT, v) || matches(DECIMAL_TEXT, v);
            case Leaf.Duration d -> matches(DurationFormat.schemaPattern(d.zeroOk()), v)
                    || d.zeroOk() && v.isIntegralNumber() && v.asLong() == 0;
            case Leaf.Size z -> v.isIntegralNumber() ? v.asLong() >= z.min() && v.asLong() <= z.max()
                    : matches(SizeFormat.schemaPattern(), v);
            case Leaf.Matching m -> matches(m.regex(), v);
            case Leaf.Words w -> v.isValueNode() && !v.isNull() && w.match(v.asText()) != null;
            case Leaf.Either e -> e.forms().stream().anyMatch(f -> fits(f, v));
        };
    }

    static ObjectNode placeholder() {
        return pattern(PLACEHOLDER);
    }

    private static boolean matches(String regex, JsonNode v) {
        return v.isTextual() && Pattern.compile(regex).matcher(v.textValue()).find();
    }

    private static ObjectNode type(String... types) {
        ObjectNode o = JSON.objectNode();
        if (types.length == 1) {
            o.put("type", types[0]);
        } else {
            ArrayNode a = o.putArray("type");
            for (String t : types) a.add(t);
        }
        return o;
    }

    private static ObjectNode pattern(String regex) {
        return type("string").put("pattern", regex);
    }

    /** {@code ^\s*(?:[gG][eE][tT]|...)\s*$}: ECMA-262 has no inline flag for case. */
    private static String anyCase(List<String> words) {
        StringBuilder b = new StringBuilder("^\\s*(?:");
        for (int i = 0; i < words.size(); i++) {
            if (i > 0) b.append('|');
            for (char c : words.get(i).toCharArray()) {
                char lo = Character.toLowerCase(c);
                char up = Character.toUpperCase(c);
                if (lo != up) {
                    b.append('[').append(lo).append(up).append(']');
                } else if ("^$\\.*+?()[]{}|/".indexOf(c) >= 0) {
                    b.append('\\').append(c);
                } else {
                    b.append(c);
                }
            }
        }
        return b.append(")\\s*$").toString();
    }
}
