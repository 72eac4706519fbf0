package io.turnpike.observe.analytics;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * The traffic of one key in one time slot: counts, bytes and a latency histogram (HdrHistogram,
 * 2 significant digits, 1 µs to 1 h).
 *
 * <p>A cell is open while its slot is being written: a plain HdrHistogram, so recording is a few
 * nanoseconds. Minute cells are summed from 10 s ones at 1 significant digit. When the slot closes the cell is frozen into the histogram's non-empty buckets
 * only (8 bytes each, typically a few hundred bytes in all), which is what makes one histogram per
 * key per slot affordable, and what queries merge quickly. Written by the rollup thread only;
 * read under the analytics lock.
 */
final class Cell {
    static final long HIGHEST_MICROS = 3_600_000_000L;
    static final int DIGITS = 2;
    /** Minute cells keep 1 significant digit (buckets about 3-6% wide): a day of them stays small. */
    static final int MINUTE_DIGITS = 1;
    // for bucket arithmetic only (never recorded into)
    private static final Histogram SHAPE = new Histogram(1, HIGHEST_MICROS, DIGITS);
    private static final Histogram SHAPE1 = new Histogram(1, HIGHEST_MICROS, MINUTE_DIGITS);
    static final long OPEN_BYTES = new IntCountsHistogram(1, HIGHEST_MICROS, DIGITS).getEstimatedFootprintInBytes() + 64;

    long calls;
    long errors;
    long limited;
    long bytesIn;
    long bytesOut;
    private final int digits;
    private AbstractHistogram open;
    // frozen: the lowest value of each non-empty bucket (exact in a float: at most 9 significant
    // bits at 2 digits) and its count, ascending
    private float[] values;
    private int[] counts;

    /** A cell that records requests into a slot (int counts: a 10 s slot never holds 2^31 of one bucket). */
    Cell() {
        this.digits = DIGITS;
        this.open = new IntCountsHistogram(1, HIGHEST_MICROS, DIGITS);
    }

    /** A cell that sums others (long counts), at {@code digits} significant digits. */
    Cell(int digits) {
        this.digits = digits;
        this.open = new Histogram(1, HIGHEST_MICROS, digits);
    }

    private Histogram shape() {
        return digits == DIGITS ? SHAPE : SHAPE1;
    }

    void add(AnalyticsRecord r) {
        calls++;
        if (r.error()) errors++;
        if (r.limited()) limited++;
        bytesIn += r.bytesIn();
        bytesOut += r.bytesOut();
        open.recordValue(Math.max(1, Math.min(HIGHEST_MICROS, r.latencyMicros())));
    }

    /** Adds {@code other} into this (open) cell: how windows and minutes are summed. */
    void add(Cell other) {
        calls += other.calls;
        errors += other.errors;
        limited += other.limited;
        bytesIn += other.bytesIn;
        bytesOut += other.bytesOut;
        if (open == null) throw new IllegalStateException("a frozen cell is not added to");
        if (other.open != null && other.digits == digits) {
            open.add(other.open);
        } else if (other.open != null) {
            for (var v : other.open.recordedValues()) open.recordValueWithCount(v.getValueIteratedTo(), v.getCountAtValueIteratedTo());
        } else {
            for (int i = 0; i < other.values.length; i++) open.recordValueWithCount((long) other.values[i], other.counts[i]);
        }
    }

    boolean frozen() {
        return open == null;
    }

    /** Keeps only the non-empty buckets; the cell takes no more records. */
    void freeze() {
        if (open == null) return;
        int n = 0;
        for (var v : open.recordedValues()) n++;
        values = new float[n];
        counts = new int[n];
        int i = 0;
        for (var v : open.recordedValues()) {
            values[i] = open.lowestEquivalentValue(v.getValueIteratedTo());
            counts[i] = (int) Math.min(Integer.MAX_VALUE, v.getCountAtValueIteratedTo());
            i++;
        }
        open = null;
    }

    /** The latency at {@code percentile} (0-100), in µs, as HdrHistogram reports it; 0 when empty. */
    long valueAtPercentile(double percentile) {
        if (open != null) return open.getTotalCount() == 0 ? 0 : open.getValueAtPercentile(percentile);
        long total = 0;
        for (int c : counts) total += c;
        if (total == 0) return 0;
        long target = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < values.length; i++) {
            seen += counts[i];
            if (seen >= target) return shape().highestEquivalentValue((long) values[i]);
        }
        return shape().highestEquivalentValue((long) values[values.length - 1]);
    }

    long maxValue() {
        if (open != null) return open.getTotalCount() == 0 ? 0 : open.getMaxValue();
        return values.length == 0 ? 0 : shape().highestEquivalentValue((long) values[values.length - 1]);
    }

    /** The frozen buckets as stored: value, count pairs. */
    float[] values() {
        return values;
    }

    int[] counts() {
        return counts;
    }

    /** A frozen cell read back from the store. */
    static Cell frozen(int digits, float[] values, int[] counts) {
        Cell c = new Cell(digits);
        c.open = null;
        c.values = values;
        c.counts = counts;
        return c;
    }

    /** Approximate heap bytes held. */
    long footprint() {
        return open != null ? open.getEstimatedFootprintInBytes() + 64 : 96 + 8L * values.length;
    }
}
