package io.turnpike.observe.analytics;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The traffic of a key (or of everything) over a span: counts, rates and latency percentiles in
 * milliseconds. Percentiles are 0 when there were no calls.
 *
 * @param spanMillis the span the rates are computed over
 */
public record Totals(long calls, long errors, long limited, long bytesIn, long bytesOut,
                     double p50Ms, double p90Ms, double p99Ms, double maxMs, long spanMillis) {

    static Totals of(Cell c, long spanMillis) {
        if (c == null || c.calls == 0) {
            return new Totals(0, 0, 0, c == null ? 0 : c.bytesIn, c == null ? 0 : c.bytesOut, 0, 0, 0, 0, spanMillis);
        }
        return new Totals(c.calls, c.errors, c.limited, c.bytesIn, c.bytesOut,
                ms(c.valueAtPercentile(50)), ms(c.valueAtPercentile(90)), ms(c.valueAtPercentile(99)),
                ms(c.maxValue()), spanMillis);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    /** Errors per call, 0 to 1; NaN when there were no calls. */
    public double errorRate() {
        return calls == 0 ? Double.NaN : (double) errors / calls;
    }

    public double callsPerSecond() {
        return calls * 1000.0 / spanMillis;
    }

    public double limitedPerSecond() {
        return limited * 1000.0 / spanMillis;
    }

    /** As the analytics endpoints show it: counts, rps, error rate and percentiles in ms. */
    public ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("calls", calls).put("errors", errors).put("limited", limited);
        double rate = errorRate();
        o.put("errorRate", Double.isNaN(rate) ? 0.0 : round(rate, 4));
        o.put("rps", round(callsPerSecond(), 3));
        o.put("bytesIn", bytesIn).put("bytesOut", bytesOut);
        o.put("p50Ms", p50Ms).put("p90Ms", p90Ms).put("p99Ms", p99Ms).put("maxMs", maxMs);
        return o;
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
