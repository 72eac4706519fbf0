package io.turnpike.compose;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.AggregateSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A route's {@code aggregate:} compiled once per config: its calls with their templates and
 * dependencies (already checked for cycles by the loader), the merge strategy and the deadline.
 */
public final class Aggregation {
    /** One compiled call; {@code deps} are indexes into {@link #calls}. */
    record CallPlan(int index, AggregateSpec.Call spec, Template path, JsonNode body, int[] deps,
                    JsonPointer select, Map<String, Template> bodyTemplates) {}

    final CallPlan[] calls;
    final AggregateSpec spec;
    final Map<String, Integer> rank = new HashMap<>(); // merge precedence: lower wins

    private Aggregation(AggregateSpec spec) {
        this.spec = spec;
        List<String> names = new ArrayList<>(spec.calls().keySet());
        calls = new CallPlan[names.size()];
        int i = 0;
        for (AggregateSpec.Call c : spec.calls().values()) {
            int[] deps = c.dependsOn().stream().mapToInt(names::indexOf).toArray();
            Map<String, Template> bodyTemplates = new HashMap<>();
            if (c.body() != null) collectTemplates(c.body(), bodyTemplates);
            calls[i] = new CallPlan(i, c, Template.compile(c.path()), c.body(), deps,
                    c.select() == null ? null : JsonPointer.compile(c.select()), Map.copyOf(bodyTemplates));
            i++;
        }
        for (int p = 0; p < spec.precedence().size(); p++) rank.put(spec.precedence().get(p), p);
    }

    /** Every string of a call's body, compiled once. */
    private static void collectTemplates(JsonNode n, Map<String, Template> out) {
        if (n.isTextual()) {
            out.computeIfAbsent(n.textValue(), Template::compile);
        } else if (n.isContainerNode()) {
            for (JsonNode child : n) collectTemplates(child, out);
        }
    }

    public static Aggregation compile(AggregateSpec spec) {
        return spec == null ? null : new Aggregation(spec);
    }

    public long timeoutNanos() {
        return spec.timeout().toNanos();
    }
}
