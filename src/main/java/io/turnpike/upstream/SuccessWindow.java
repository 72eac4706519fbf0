package io.turnpike.upstream;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Successes and failures over the last few seconds: a ring of one-second buckets. Each bucket is
 * one long holding its second (low 24 bits of it) and two 20-bit counts, so recording is one CAS
 * and a bucket from an older lap is reset in the same CAS that counts the new call: no lock, no
 * lost reset. A count saturates at about a million calls per node per second.
 */
public final class SuccessWindow {
    private static final long SECOND = 1_000_000_000L;
    private static final int COUNT_BITS = 20;
    private static final long COUNT_MAX = (1L << COUNT_BITS) - 1;
    private static final long TAG_MASK = (1L << 24) - 1;

    private final AtomicLongArray buckets;
    private final int seconds;

    /** @param seconds the window's length */
    public SuccessWindow(int seconds) {
        if (seconds < 1) throw new IllegalArgumentException("seconds: " + seconds + " (expected: > 0)");
        this.seconds = seconds;
        this.buckets = new AtomicLongArray(seconds);
        for (int i = 0; i < seconds; i++) buckets.set(i, pack(TAG_MASK + 1, 0, 0)); // a tag no second has
    }

    public void record(boolean success, long nowNanos) {
        long second = Math.floorDiv(nowNanos, SECOND);
        int i = (int) Math.floorMod(second, (long) seconds);
        long tag = second & TAG_MASK;
        while (true) {
            long cur = buckets.get(i);
            long ok = 0;
            long bad = 0;
            if (tag(cur) == tag) {
                ok = ok(cur);
                bad = bad(cur);
            }
            if (success) ok = Math.min(COUNT_MAX, ok + 1); else bad = Math.min(COUNT_MAX, bad + 1);
            if (buckets.compareAndSet(i, cur, pack(tag, ok, bad))) return;
        }
    }

    /** Calls recorded in the window ending at {@code nowNanos}. */
    public long calls(long nowNanos) {
        long[] c = sums(nowNanos);
        return c[0] + c[1];
    }

    /** Share of successful calls in the window, or NaN when there were none. */
    public double successRate(long nowNanos) {
        long[] c = sums(nowNanos);
        long all = c[0] + c[1];
        return all == 0 ? Double.NaN : (double) c[0] / all;
    }

    private long[] sums(long nowNanos) {
        long second = Math.floorDiv(nowNanos, SECOND);
        long ok = 0;
        long bad = 0;
        for (int k = 0; k < seconds; k++) {
            long s = second - k;
            long cur = buckets.get((int) Math.floorMod(s, (long) seconds));
            if (tag(cur) == (s & TAG_MASK)) {
                ok += ok(cur);
                bad += bad(cur);
            }
        }
        return new long[] {ok, bad};
    }

    private static long pack(long tag, long ok, long bad) {
        return tag << (2 * COUNT_BITS) | ok << COUNT_BITS | bad;
    }

    private static long tag(long b) { return b >>> (2 * COUNT_BITS); }
    private static long ok(long b) { return (b >>> COUNT_BITS) & COUNT_MAX; }
    private static long bad(long b) { return b & COUNT_MAX; }
}
