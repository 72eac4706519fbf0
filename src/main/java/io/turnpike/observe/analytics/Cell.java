package io.turnpike.observe.analytics;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.PackedHistogram;

/**
 * The traffic of one key in one time slot: counts, bytes and a latency histogram. Written by the
 * rollup thread only; read under the analytics lock.
 *
 * <p>The histogram is HdrHistogram's packed form (2 significant digits, 1 µs to 1 h): its memory
 * follows the number of distinct latency buckets used, not the range, which is what makes one
 * histogram per key per slot affordable.
 */
final class Cell {
    static final long HIGHEST_MICROS = 3_600_000_000L;
    static final int DIGITS = 2;

    long calls;
    long errors;
    long limited;
    long bytesIn;
    long bytesOut;
    final Histogram latency = newHistogram();

    static Histogram newHistogram() {
        return new PackedHistogram(1, HIGHEST_MICROS, DIGITS);
    }

    void add(AnalyticsRecord r) {
        calls++;
        if (r.error()) errors++;
        if (r.limited()) limited++;
        bytesIn += r.bytesIn();
        bytesOut += r.bytesOut();
        latency.recordValue(Math.max(1, Math.min(HIGHEST_MICROS, r.latencyMicros())));
    }

    void add(Cell other) {
        calls += other.calls;
        errors += other.errors;
        limited += other.limited;
        bytesIn += other.bytesIn;
        bytesOut += other.bytesOut;
        latency.add(other.latency);
    }

    /** Approximate heap bytes held: the fixed fields plus the histogram's estimate. */
    long footprint() {
        return 64 + latency.getEstimatedFootprintInBytes();
    }
}
