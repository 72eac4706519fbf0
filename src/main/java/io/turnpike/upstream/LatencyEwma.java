package io.turnpike.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A time-decayed, peak-sensitive moving average of a latency (Finagle's peak EWMA): a response
 * slower than the average replaces it at once; faster ones pull it down with a weight that grows
 * with the time since the previous sample, so the average forgets at a rate set in time, not in
 * requests. Lock-free: the average is one CAS-updated double; the time stamp is a separate atomic,
 * and a race between them only blurs one sample's weight. Time is passed in, never read here.
 */
public final class LatencyEwma {
    private static final long NONE = Long.MIN_VALUE;

    private final double decayNanos;
    private final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0.0)); // 0 = no sample yet
    private final AtomicLong stamp = new AtomicLong(NONE);

    /** @param decayNanos the time constant: a sample's weight falls to 1/e after this long */
    public LatencyEwma(long decayNanos) {
        if (decayNanos <= 0) throw new IllegalArgumentException("decayNanos: " + decayNanos + " (expected: > 0)");
        this.decayNanos = decayNanos;
    }

    /** Adds one sample taken at {@code nowNanos}. */
    public void observe(long latencyNanos, long nowNanos) {
        double sample = Math.max(1, latencyNanos);
        long prev = stamp.getAndAccumulate(nowNanos, Math::max);
        double keep = prev == NONE ? 0 : Math.exp(-Math.max(0, nowNanos - prev) / decayNanos);
        while (true) {
            long old = bits.get();
            double avg = Double.longBitsToDouble(old);
            // The blend moved toward the sample, or the sample when it is the larger (a peak, or the
            // first sample: from 0 the blend is below it). Without a branch: a branch the compiled code
            // has never seen taken (no peak under a steady load) is a trap that recompiles its callers
            // when the first peak comes, at the start of the next burst.
            double next = Math.max(sample, sample + (avg - sample) * keep);
            if (bits.compareAndSet(old, Double.doubleToRawLongBits(next))) return;
        }
    }

    /** The average as of the last sample, in nanoseconds; 0 before the first. */
    public double value() {
        return Double.longBitsToDouble(bits.get());
    }

    /**
     * The average decayed toward zero for the time since the last sample. A node nobody has sent
     * to lately looks faster and faster, so balancers probe it again and its estimate stays fresh.
     */
    public double cost(long nowNanos) {
        double avg = value();
        long last = stamp.get();
        if (avg == 0 || last == NONE || nowNanos <= last) return avg;
        return avg * Math.exp(-(nowNanos - last) / decayNanos);
    }
}
