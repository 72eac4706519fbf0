package io.turnpike.observe.analytics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One analytics answer: all traffic over the window as totals and a series, and per key of the
 * chosen dimension the same, ordered by the chosen sort.
 *
 * @param from   start of the first slot, epoch ms
 * @param to     end of the last (current, partly filled) slot, epoch ms
 * @param step   slot length in ms (10 s for windows up to an hour, else 1 min)
 * @param keysSince 0, or when per-key detail starts within the window (older slots gave theirs up
 *                  to stay within the memory budget; their totals are complete)
 */
public record Report(Dimension by, long windowMillis, long from, long to, long step, Totals totals,
                     List<Totals> series, List<KeySeries> keys, long dropped, long keysSince) {

    public record KeySeries(String key, Totals totals, List<Totals> series) {}

    /** How keys are ordered (descending); ties by key. */
    public enum Sort {
        CALLS, ERRORS, P99;

        public static Sort of(String label) {
            for (Sort s : values()) {
                if (s.name().toLowerCase(Locale.ROOT).equals(label)) return s;
            }
            return null;
        }

        Comparator<String> order(Map<String, Totals> totals) {
            Comparator<Totals> by = switch (this) {
                case CALLS -> Comparator.comparingLong(Totals::calls);
                case ERRORS -> Comparator.comparingLong(Totals::errors);
                case P99 -> Comparator.comparingDouble(Totals::p99Ms);
            };
            return Comparator.comparing((String k) -> totals.get(k), by.reversed()).thenComparing(k -> k);
        }
    }

    public ObjectNode json(String windowText) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("by", by == null ? null : by.label());
        o.put("window", windowText);
        o.put("step", step / 1000 + "s");
        o.put("from", Instant.ofEpochMilli(from).toString());
        o.put("to", Instant.ofEpochMilli(to).toString());
        o.set("totals", totals.json());
        o.set("series", series(series));
        ArrayNode rows = o.putArray("keys");
        for (KeySeries k : keys) {
            ObjectNode row = rows.addObject();
            row.put("key", k.key());
            row.set("totals", k.totals().json());
            row.set("series", series(k.series()));
        }
        o.put("dropped", dropped);
        if (keysSince > 0) o.put("keysSince", Instant.ofEpochMilli(keysSince).toString());
        return o;
    }

    private ArrayNode series(List<Totals> points) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        long t = from;
        for (Totals p : points) {
            ObjectNode point = p.json();
            point.put("t", t);
            a.add(point);
            t += step;
        }
        return a;
    }
}
