package io.turnpike.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.PolicyCall;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body operations of a response transform, compiled once: unwrap, keep, drop, rename, set,
 * wrap, in that order. Works on a Jackson tree; {@link #apply} edits it in place where it can and
 * returns the (possibly new) root.
 */
final class JsonShape {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** The keep allow-list as a tree of steps; a node with no children keeps its whole value. */
    private static final class Keep {
        final Map<String, Keep> children = new LinkedHashMap<>();
        boolean whole;
    }

    private record Rename(List<String> parent, String from, String to) {}

    private record SetOp(List<String> parent, String field, JsonNode constant, Template template) {}

    private final String unwrap;
    private final Keep keep;
    private final List<List<String>> drop = new ArrayList<>();
    private final List<Rename> rename = new ArrayList<>();
    private final List<SetOp> set = new ArrayList<>();
    private final String wrap;

    JsonShape(TransformSpec.Response spec) {
        this.unwrap = spec.unwrap();
        this.wrap = spec.wrap();
        if (spec.keep().isEmpty()) {
            keep = null;
        } else {
            keep = new Keep();
            for (String p : spec.keep()) {
                Keep k = keep;
                for (String step : FieldPath.parse(p)) {
                    if (k.whole) break; // a shorter path already keeps all of it
                    k = k.children.computeIfAbsent(step, s -> new Keep());
                }
                k.whole = true;
                k.children.clear();
            }
        }
        for (String p : spec.drop()) drop.add(FieldPath.parse(p));
        spec.rename().forEach((from, to) -> {
            List<String> steps = FieldPath.parse(from);
            rename.add(new Rename(steps.subList(0, steps.size() - 1), steps.get(steps.size() - 1), to));
        });
        spec.set().forEach((field, value) -> {
            List<String> steps = FieldPath.parse(field);
            Template t = value.isTextual() ? Template.compile(value.textValue()) : null;
            set.add(new SetOp(steps.subList(0, steps.size() - 1), steps.get(steps.size() - 1),
                    t == null || t.isConstant() ? value : null, t == null || t.isConstant() ? null : t));
        });
    }

    JsonNode apply(JsonNode root, PolicyCall call) {
        if (unwrap != null) {
            JsonNode inner = root.get(unwrap);
            root = inner == null ? F.nullNode() : inner;
        }
        if (keep != null) root = keep(root, keep);
        for (List<String> d : drop) {
            forEachParent(root, d.subList(0, d.size() - 1), 0, false,
                    o -> o.remove(d.get(d.size() - 1)));
        }
        for (Rename r : rename) {
            forEachParent(root, r.parent, 0, false, o -> renameField(o, r.from, r.to));
        }
        for (SetOp s : set) {
            JsonNode v = s.constant != null ? s.constant.deepCopy() : new TextNode(s.template.render(call, null));
            if (root.isNull() || root.isMissingNode()) root = F.objectNode();
            forEachParent(root, s.parent, 0, true, o -> o.set(s.field, v.deepCopy()));
        }
        if (wrap != null) {
            ObjectNode w = F.objectNode();
            w.set(wrap, root);
            root = w;
        }
        return root;
    }

    private static JsonNode keep(JsonNode n, Keep k) {
        if (k.whole) return n;
        if (n.isArray()) {
            Keep each = k.children.get(FieldPath.EACH);
            Keep inner = each != null ? each : k; // a field step that meets an array applies to each element
            ArrayNode out = F.arrayNode(n.size());
            for (JsonNode e : n) out.add(keep(e, inner));
            return out;
        }
        if (!n.isObject()) return n;
        ObjectNode out = F.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            Keep child = k.children.get(f.getKey());
            if (child != null) out.set(f.getKey(), keep(f.getValue(), child));
        }
        return out;
    }

    /** Calls {@code op} on every object the steps lead to; {@code create} makes missing objects. */
    private static void forEachParent(JsonNode n, List<String> steps, int i, boolean create,
                                      java.util.function.Consumer<ObjectNode> op) {
        if (n.isArray()) {
            int next = i < steps.size() && steps.get(i).equals(FieldPath.EACH) ? i + 1 : i;
            for (JsonNode e : n) forEachParent(e, steps, next, create, op);
            return;
        }
        if (!(n instanceof ObjectNode o)) return;
        if (i == steps.size()) {
            op.accept(o);
            return;
        }
        String step = steps.get(i);
        if (step.equals(FieldPath.EACH)) return; // an object where an array was expected: nothing to do
        JsonNode child = o.get(step);
        if (child == null || child.isNull()) {
            if (!create) return;
            child = o.putObject(step);
        }
        forEachParent(child, steps, i + 1, create, op);
    }

    /** Renames a field where it stands (field order kept). */
    private static void renameField(ObjectNode o, String from, String to) {
        if (!o.has(from) || from.equals(to)) return;
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        o.fields().forEachRemaining(fields::add);
        o.removeAll();
        for (Map.Entry<String, JsonNode> f : fields) {
            if (f.getKey().equals(to)) continue; // replaced by the renamed field
            o.set(f.getKey().equals(from) ? to : f.getKey(), f.getValue());
        }
    }
}
