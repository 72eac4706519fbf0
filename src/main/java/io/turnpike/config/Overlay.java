package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnpike.config.ConfigSources.Section;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
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
 * Admin changes laid over the file, per id: {@code {routes: {id: entry|null}, services: {id: entry|null},
 * consumers: {id: entry|null}, plans: {id: entry|null}}}.
 * An entry replaces the file's entry with that id in place, or is appended; null hides the file's.
 * Immutable; entries are YAML node trees that keep the marks of the text they came from (a PUT
 * body, or the persisted overlay), so the loader's problems point there.
 */
final class Overlay {
    static final Overlay EMPTY = new Overlay(new EnumMap<>(Section.class), new IdentityHashMap<>());

    // Per section, in the order ids were first written; a null value is a deletion.
    private final Map<Section, Map<String, Node>> entries;
    private final Map<Mark, String> sources;

    private Overlay(Map<Section, Map<String, Node>> entries, Map<Mark, String> sources) {
        this.entries = entries;
        this.sources = sources;
    }

    /** Reads a persisted overlay; null (with {@code problems} filled in) when it has the wrong shape. */
    static Overlay read(ConfigDocument doc, List<Problem> problems) {
        if (!doc.ok()) {
            problems.addAll(doc.problems());
            return null;
        }
        ConfigProblems found = new ConfigProblems(doc.source());
        Overlay out = EMPTY;
        if (doc.root() == null) return out;
        if (!(doc.root() instanceof MappingNode root)) {
            found.add(doc.root().getStartMark(), "", "expected a mapping {routes: {...}, services: {...}}");
        } else {
            for (NodeTuple t : root.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
                Section section = Section.named(key);
                if (section == null) {
                    found.add(t.getKeyNode().getStartMark(), "", "unknown key \"" + key + "\" (expected: routes, services, consumers, plans)");
                } else if (t.getValueNode() instanceof MappingNode ids) {
                    for (NodeTuple e : ids.getValue()) {
                        String id = e.getKeyNode() instanceof ScalarNode k ? k.getValue() : "";
                        Node value = e.getValueNode();
                        out = out.with(section, id, isNull(value) ? null : value, doc.source());
                    }
                } else if (!isNull(t.getValueNode())) {
                    found.add(t.getValueNode().getStartMark(), key, "expected a mapping of id: entry or null");
                }
            }
        }
        if (!found.isEmpty()) {
            problems.addAll(found.sorted());
            return null;
        }
        return out;
    }

    boolean isEmpty() {
        return entries.values().stream().allMatch(Map::isEmpty);
    }

    /** Where marks of this overlay's entries come from, for locating problems. */
    Map<Mark, String> sources() {
        return Collections.unmodifiableMap(sources);
    }

    boolean has(Section section, String id) {
        return entries.getOrDefault(section, Map.of()).containsKey(id);
    }

    /** @param entry the new entry, or null to hide the file's entry with this id */
    Overlay with(Section section, String id, Node entry, String source) {
        Map<Section, Map<String, Node>> next = copy();
        next.computeIfAbsent(section, s -> new LinkedHashMap<>()).put(id, entry);
        Map<Mark, String> marks = new IdentityHashMap<>(sources);
        if (entry != null) collectMarks(entry, source, marks, 0);
        return new Overlay(next, marks);
    }

    /** Without any change for this id: the file's entry (if any) shows again. */
    Overlay without(Section section, String id) {
        Map<Section, Map<String, Node>> next = copy();
        Map<String, Node> ids = next.get(section);
        if (ids != null) ids.remove(id);
        return new Overlay(next, sources); // stale marks are harmless: nothing refers to them
    }

    private Map<Section, Map<String, Node>> copy() {
        Map<Section, Map<String, Node>> next = new EnumMap<>(Section.class);
        entries.forEach((s, ids) -> next.put(s, new LinkedHashMap<>(ids)));
        return next;
    }

    private static void collectMarks(Node node, String source, Map<Mark, String> into, int depth) {
        if (depth > 64) return;
        into.put(node.getStartMark(), source);
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                collectMarks(t.getKeyNode(), source, into, depth + 1);
                collectMarks(t.getValueNode(), source, into, depth + 1);
            }
        } else if (node instanceof SequenceNode s) {
            s.getValue().forEach(n -> collectMarks(n, source, into, depth + 1));
        }
    }

    /** The overlay as persisted and as {@code GET /admin/config?source=overlay} shows it. */
    JsonNode toJson() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Section section : Section.values()) {
            ObjectNode ids = out.putObject(section.key());
            entries.getOrDefault(section, Map.of()).forEach((id, entry) -> ids.set(id, NodeJson.of(entry)));
        }
        return out;
    }

    /** The file's tree (a mapping, as any loaded file is) with this overlay applied. */
    Node applyTo(Node fileRoot) {
        if (isEmpty() || !(fileRoot instanceof MappingNode root)) return fileRoot;
        List<NodeTuple> tuples = new ArrayList<>();
        Set<Section> seen = new HashSet<>();
        for (NodeTuple t : root.getValue()) {
            Section section = t.getKeyNode() instanceof ScalarNode k ? Section.named(k.getValue()) : null;
            if (section == null) {
                tuples.add(t);
            } else {
                seen.add(section);
                tuples.add(new NodeTuple(t.getKeyNode(), apply(section, t.getValueNode(), root.getStartMark())));
            }
        }
        for (Section section : Section.values()) {
            if (!seen.contains(section) && !entries.getOrDefault(section, Map.of()).isEmpty()) {
                tuples.add(new NodeTuple(scalar(section.key(), root.getStartMark()), apply(section, null, root.getStartMark())));
            }
        }
        return new MappingNode(root.getTag(), tuples, root.getFlowStyle());
    }

    private Node apply(Section section, Node fileValue, Mark at) {
        Map<String, Node> changes = entries.getOrDefault(section, Map.of());
        if (changes.isEmpty()) return fileValue;
        Set<String> used = new HashSet<>();
        if (section.listed()) {
            List<Node> items = new ArrayList<>();
            if (fileValue instanceof SequenceNode s) {
                for (Node item : s.getValue()) {
                    String id = routeId(item);
                    if (id == null || !changes.containsKey(id)) {
                        items.add(item);
                    } else if (used.add(id) && changes.get(id) != null) {
                        items.add(changes.get(id));
                    }
                }
            } else if (fileValue != null && !isNull(fileValue)) {
                return fileValue; // not a list: the loader reports it as it stands
            }
            changes.forEach((id, entry) -> {
                if (entry != null && !used.contains(id)) items.add(entry);
            });
            Mark start = fileValue != null ? fileValue.getStartMark() : at;
            return new SequenceNode(Tag.SEQ, true, items, start, start, DumperOptions.FlowStyle.BLOCK);
        }
        List<NodeTuple> tuples = new ArrayList<>();
        if (fileValue instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                String id = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : null;
                if (id == null || !changes.containsKey(id)) {
                    tuples.add(t);
                } else if (used.add(id) && changes.get(id) != null) {
                    tuples.add(serviceTuple(id, changes.get(id)));
                }
            }
        } else if (fileValue != null && !isNull(fileValue)) {
            return fileValue;
        }
        changes.forEach((id, entry) -> {
            if (entry != null && !used.contains(id)) tuples.add(serviceTuple(id, entry));
        });
        Mark start = fileValue != null ? fileValue.getStartMark() : at;
        return new MappingNode(Tag.MAP, true, tuples, start, start, DumperOptions.FlowStyle.BLOCK);
    }

    /** The key is located at the entry, so a problem with the id points into the change. */
    private static NodeTuple serviceTuple(String id, Node entry) {
        return new NodeTuple(scalar(id, entry.getStartMark()), entry);
    }

    static ScalarNode scalar(String value, Mark at) {
        return new ScalarNode(Tag.STR, value, at, at, DumperOptions.ScalarStyle.PLAIN);
    }

    /** A route's id as written, or null for an item that is not a route with a plain id. */
    static String routeId(Node item) {
        if (!(item instanceof MappingNode m)) return null;
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("id")
                    && t.getValueNode() instanceof ScalarNode v) {
                return v.getValue();
            }
        }
        return null;
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }
}
