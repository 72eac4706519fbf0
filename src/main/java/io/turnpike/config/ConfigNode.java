package io.turnpike.config;

import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One value of the YAML tree together with its dotted path and its place in the file: the small
 * typed binder the config sections read through. Every reader reports what is wrong (the value and
 * what was expected) instead of throwing, and returns a default or null so binding carries on and
 * the user gets every problem at once.
 *
 * <p>A YAML null ({@code key:} or {@code key: ~}) reads like an absent key. Values are read as
 * text and typed here, not by YAML, so {@code "8080"} and {@code 8080} mean the same and a value
 * from {@code ${ENV}} types like one written inline. Values an admin caller sent are read as
 * written, {@code ${...}} and all (see {@link Expansion}).
 *
 * <p>A node can also be <em>recording</em> (see {@link Recording}): it holds no value and stands
 * for whatever the file could have at its path, and the readers note what they accept there
 * instead of checking anything. Binding a recording root is how {@link ConfigSchema} learns the
 * config's shape from the binders themselves.
 */
final class ConfigNode {
    private final Node node;
    private final Mark mark;
    private final String path;
    private final ConfigProblems problems;
    private final Expansion expansion;
    private final boolean verbatim; // from an admin caller: no ${...} expansion here or below
    private final Recording recording; // null for a node of a real document
    private Map<String, Entry> entries;
    private String resolved;
    private boolean textRead;

    /** A mapping's key, kept for locating problems about the key itself. */
    record Entry(ScalarNode key, ConfigNode value) {}

    /** The key a recording mapping holds: a name every binder takes (an id, a header name, a field, a profile). */
    static final String ANY_KEY = "default";
    private static final Mark NOWHERE = new Mark("schema", 0, 0, 0, new int[0], 0);

    private ConfigNode(Node node, Mark mark, String path, ConfigProblems problems, Expansion expansion, boolean verbatim) {
        this(node, mark, path, problems, expansion, verbatim, null);
    }

    private ConfigNode(Node node, Mark mark, String path, ConfigProblems problems, Expansion expansion, boolean verbatim,
                       Recording recording) {
        this.node = node;
        this.mark = mark;
        this.path = path;
        this.problems = problems;
        this.expansion = expansion;
        this.verbatim = verbatim || node != null && expansion.verbatim(node.getStartMark());
        this.recording = recording;
    }

    static ConfigNode root(Node node, ConfigProblems problems, Expansion expansion) {
        return new ConfigNode(node, node.getStartMark(), "", problems, expansion, false);
    }

    /** The root of a recording pass; its problems go nowhere. */
    static ConfigNode recording(Recording recording) {
        return new ConfigNode(null, NOWHERE, "", new ConfigProblems("schema"), Expansion.none(), false, recording);
    }

    /**
     * Whether this node records what the binders accept rather than holding a value. A binder that
     * reads some keys only once others are valid reads them regardless when this is true, so they
     * are recorded too.
     */
    boolean isRecording() {
        return recording != null;
    }

    /** In a recording pass, notes that any value goes here and answers true; else false. */
    boolean recordsAnyValue() {
        if (recording == null) return false;
        recording.any(path);
        return true;
    }

    private ConfigNode recorded(String at) {
        return new ConfigNode(null, mark, at, problems, expansion, false, recording);
    }

    /** An absent value under a recording node that is not a mapping: it records nothing. */
    private ConfigNode nothing(String at) {
        return new ConfigNode(null, mark, at, problems, expansion, false);
    }

    String path() { return path; }
    /** Problems and warnings reported so far in this bind. */
    int problemCount() { return problems.count(); }
    Expansion expansion() { return expansion; }
    Mark mark() { return mark; }
    int line() { return mark.getLine() + 1; }

    boolean isPresent() {
        if (recording != null) return recording.present(path);
        return node != null && !(node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
    }

    boolean isMapping() { return recording != null ? recording.is(path, Recording.Shape.MAPPING) : node instanceof MappingNode; }
    boolean isScalar() { return recording != null ? recording.is(path, Recording.Shape.SCALAR) : isPresent() && node instanceof ScalarNode; }
    boolean isSequence() { return recording != null ? recording.is(path, Recording.Shape.SEQUENCE) : node instanceof SequenceNode; }

    /** Reports a problem located at this value. */
    void problem(String message) {
        problems.add(mark, path, message);
    }

    /** Reports a warning located at this value: the config stays valid. */
    void warning(String message) {
        problems.warn(mark, path, message);
    }

    /** Reports a problem located elsewhere under this value, e.g. at one of its keys. */
    void problemAt(Mark at, String message) {
        problems.add(at, path, message);
    }

    /** Reports a problem about this value: it, quoted, then what was expected. */
    void expected(String expected) {
        problem(describe() + " (expected: " + expected + ")");
    }

    // ---- mappings

    /** The mapping's entries in file order; absent reads as empty. A non-mapping is reported once. */
    Map<String, Entry> entries() {
        if (recording != null) return recordedEntries();
        if (entries != null) return entries;
        entries = new LinkedHashMap<>();
        if (!isPresent()) return entries;
        if (!(node instanceof MappingNode map)) {
            expected("a mapping of key: value");
            return entries;
        }
        List<NodeTuple> merged = new ArrayList<>();
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode().getTag().equals(Tag.MERGE)) {
                collectMerge(t.getValueNode(), merged);
            } else {
                add(t);
            }
        }
        // YAML merge keys (<<: *defaults): keys written in the mapping itself win over merged ones.
        for (NodeTuple t : merged) {
            if (t.getKeyNode() instanceof ScalarNode k && !entries.containsKey(k.getValue())) add(t);
        }
        entries = Collections.unmodifiableMap(entries);
        return entries;
    }

    /**
     * One entry, {@link #ANY_KEY}, standing for every key of a mapping of names; asked whether it
     * holds another key, it answers as that key's {@link #isPresent} would.
     */
    private Map<String, Entry> recordedEntries() {
        if (!recording.mapping(path)) return Map.of();
        ScalarNode key = new ScalarNode(Tag.STR, ANY_KEY, mark, mark, DumperOptions.ScalarStyle.PLAIN);
        Map.Entry<String, ConfigNode.Entry> any = Map.entry(ANY_KEY, new Entry(key, recorded(child("*"))));
        return new AbstractMap<>() {
            @Override
            public Set<Map.Entry<String, ConfigNode.Entry>> entrySet() {
                return Set.of(any);
            }

            @Override
            public boolean containsKey(Object k) {
                return ANY_KEY.equals(k) || k instanceof String s && recording.present(child(s));
            }
        };
    }

    private void collectMerge(Node value, List<NodeTuple> into) {
        if (value instanceof MappingNode m) {
            into.addAll(m.getValue());
        } else if (value instanceof SequenceNode s) {
            s.getValue().forEach(v -> collectMerge(v, into));
        }
    }

    private void add(NodeTuple t) {
        if (!(t.getKeyNode() instanceof ScalarNode key)) {
            problems.add(t.getKeyNode().getStartMark(), path, "a complex key (expected: a plain key)");
            return;
        }
        String name = key.getValue();
        Entry earlier = entries.get(name);
        if (earlier != null) {
            problems.add(key.getStartMark(), path, "duplicate key \"" + name + "\" (first at line "
                    + (earlier.key().getStartMark().getLine() + 1) + ")");
            return;
        }
        Node v = t.getValueNode();
        entries.put(name, new Entry(key, new ConfigNode(v, v.getStartMark(), child(name), problems, expansion, verbatim)));
    }

    /**
     * Reports every key that is not {@code accepted}. {@code planned} keys are ones a later version
     * will accept; they get the given message instead of "unknown key".
     */
    ConfigNode checkKeys(List<String> accepted, Map<String, String> planned) {
        if (recording != null) {
            recording.keys(path, accepted);
            return this;
        }
        entries().forEach((name, e) -> {
            if (accepted.contains(name)) return;
            String message = planned.get(name);
            if (message == null) {
                message = "unknown key " + quote(name) + " (expected one of: " + String.join(", ", accepted) + ")";
            }
            problems.add(e.key().getStartMark(), path, message);
        });
        return this;
    }

    /** The value under {@code key}; an absent one is located at this mapping. */
    ConfigNode get(String key) {
        if (recording != null) {
            if (key.equals(ANY_KEY)) return recording.mapping(path) ? recorded(child("*")) : nothing(child(key));
            return recording.property(path, key, false) ? recorded(child(key)) : nothing(child(key));
        }
        Entry e = entries().get(key);
        return e != null ? e.value() : new ConfigNode(null, mark, child(key), problems, expansion, verbatim);
    }

    /** Like {@link #get} but reports a missing or empty value. */
    ConfigNode require(String key, String expected) {
        if (recording != null) return recording.property(path, key, true) ? recorded(child(key)) : nothing(child(key));
        ConfigNode v = get(key);
        if (!entries().containsKey(key)) {
            problem("missing " + quote(key) + " (expected: " + expected + ")");
        } else if (!v.isPresent()) {
            v.problem("no value (expected: " + expected + ")");
        }
        return v;
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    // ---- lists

    /**
     * The list's items; absent reads as empty. With {@code singleOk} a lone scalar counts as a
     * one-item list, which saves brackets for the common case of one host or one method.
     */
    List<ConfigNode> items(String expected, boolean singleOk) {
        if (recording != null) {
            if (recording.sequence(path, singleOk)) return List.of(recorded(path + "[]"));
            return singleOk && recording.scalarHere(path) ? List.of(this) : List.of();
        }
        if (!isPresent()) return List.of();
        if (node instanceof SequenceNode seq) {
            List<ConfigNode> out = new ArrayList<>();
            for (Node item : seq.getValue()) {
                out.add(new ConfigNode(item, item.getStartMark(), path + "[" + out.size() + "]", problems, expansion, verbatim));
            }
            return out;
        }
        if (singleOk && node instanceof ScalarNode) return List.of(this);
        expected(expected);
        return List.of();
    }

    /** The raw YAML node (null when absent), for values bound as a whole, like a JWK set. */
    Node node() {
        if (recording != null) recording.any(path);
        return node;
    }

    // ---- scalars

    /** The scalar with {@code ${ENV}} substituted (in the file), or null (absent, or reported as wrong). */
    String text(String expected) {
        return text(expected, Leaf.TEXT);
    }

    /** Like {@link #text(String)}; a schema shows the value as {@code leaf} says (a recording node notes it). */
    String text(String expected, Leaf leaf) {
        if (recording != null) {
            recording.scalar(path, leaf);
            return null;
        }
        if (!isPresent()) return null;
        if (textRead) return resolved;
        textRead = true;
        if (!(node instanceof ScalarNode s)) {
            expected(expected);
            return null;
        }
        String raw = s.getValue();
        try {
            resolved = !verbatim && Placeholders.mayContain(raw) ? expansion.resolve(raw) : raw;
        } catch (Placeholders.Unresolved e) {
            problem(e.getMessage());
        }
        return resolved;
    }

    /**
     * Like {@link #text} for a secret (a token, a password): no problem message ever shows the
     * value, not even a malformed {@code ${...}} in it. From an admin caller, a secret that looks
     * like a placeholder is refused rather than taken as written: an API key that is literally
     * {@code ${ACME_KEY}} would be one anybody can guess.
     */
    String secret(String expected) {
        if (recording != null) {
            recording.scalar(path, Leaf.TEXT);
            return null;
        }
        if (!isPresent()) return null;
        if (!(node instanceof ScalarNode s)) {
            expected(expected); // describes the kind ("a mapping"), never a value
            return null;
        }
        String raw = s.getValue();
        if (verbatim) {
            if (!raw.contains("${")) return raw;
            problem("the value (not shown: it is a secret) has a ${...}, which is not expanded in what the admin API "
                    + "is sent (expected: the secret itself; placeholders are expanded in the config file only)");
            return null;
        }
        try {
            return Placeholders.mayContain(raw) ? expansion.resolve(raw) : raw;
        } catch (Placeholders.Unresolved e) {
            // "environment variable X is not set" names the variable only; the other messages quote the text.
            problem(e.getMessage().startsWith("environment variable") ? e.getMessage()
                    : "the value (not shown: it is a secret) has a malformed ${...} (expected: ${NAME} or "
                    + "${NAME:-default}; write $${ for a literal ${)");
            return null;
        }
    }

    int integer(int min, int max, int fallback) {
        String expected = max == Integer.MAX_VALUE
                ? (min == 1 ? "an integer > 0" : "an integer >= " + min)
                : "an integer from " + min + " to " + max;
        String t = text(expected, new Leaf.Whole(min, max));
        if (t == null) return fallback;
        try {
            int n = Integer.parseInt(t.strip());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // reported below, like an out-of-range number
        }
        expected(expected);
        return fallback;
    }

    Duration duration(Duration fallback, boolean zeroOk) {
        String t = text(DurationFormat.EXPECTED, new Leaf.Duration(zeroOk));
        if (t == null) return fallback;
        Duration d = DurationFormat.parse(t);
        if (d == null) {
            expected(DurationFormat.EXPECTED);
            return fallback;
        }
        if (d.isZero() && !zeroOk) {
            expected("a duration > 0, like 500ms, 2s, 1m");
            return fallback;
        }
        return d;
    }

    long size(long min, long max, long fallback) {
        String t = text(SizeFormat.EXPECTED, new Leaf.Size(min, max));
        if (t == null) return fallback;
        long n = SizeFormat.parse(t);
        if (n < 0) {
            expected(SizeFormat.EXPECTED);
        } else if (n < min) {
            expected(min == 1 ? "a size > 0" : "a size of at least " + min + " bytes");
        } else if (n > max) {
            expected("a size of at most " + max + " bytes");
        } else {
            return n;
        }
        return fallback;
    }

    /** {@code true} or {@code false}. */
    boolean bool(boolean fallback) {
        String t = text("true or false", Leaf.BOOL);
        if (t == null) return fallback;
        if (t.strip().equals("true")) return true;
        if (t.strip().equals("false")) return false;
        expected("true or false");
        return fallback;
    }

    /** A decimal number from {@code min} to {@code max}. */
    double number(double min, double max, double fallback, String expected) {
        String t = text(expected, new Leaf.Decimal(min, max));
        if (t == null) return fallback;
        try {
            double d = Double.parseDouble(t.strip());
            if (d >= min && d <= max) return d;
        } catch (NumberFormatException ignored) {
            // reported below, like an out-of-range number
        }
        expected(expected);
        return fallback;
    }

    /** A share: {@code 50%} or {@code 0.5}, at most 1, above 0 or (with {@code zeroOk}) from 0. */
    double share(boolean zeroOk, double fallback, String expected) {
        String t = text(expected, new Leaf.Share(zeroOk));
        if (t == null) return fallback;
        String s = t.strip();
        try {
            double v = s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1).strip()) / 100
                    : Double.parseDouble(s);
            if ((zeroOk ? v >= 0 : v > 0) && v <= 1) return v;
        } catch (NumberFormatException ignored) {
            // reported below, like an out-of-range share
        }
        expected(expected);
        return fallback;
    }

    /**
     * A word from a closed set, as {@code words} lists it; {@code fallback} when absent (or not a
     * scalar, which is reported), null (reported as {@code notOne}) when it is another word.
     */
    String choice(Leaf.Words words, String fallback, String expected, String notOne) {
        String t = text(expected, words);
        if (t == null) return fallback;
        String word = words.match(t);
        if (word == null) expected(notOne);
        return word;
    }

    /** How a message shows this value: the scalar quoted (and its source if substituted), or its kind. */
    String describe() {
        if (node == null) return "nothing";
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        String raw = ((ScalarNode) node).getValue();
        if (resolved != null && !resolved.equals(raw)) return quote(resolved) + " from " + quote(raw);
        return quote(raw);
    }

    static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
        StringBuilder b = new StringBuilder(shown.length() + 2).append('"');
        for (char c : shown.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
