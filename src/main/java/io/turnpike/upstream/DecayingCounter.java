package io.turnpike.upstream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A count that fades: each event adds one and the total decays exponentially with time, so it
 * reads as "how many lately". Lock-free like {@link LatencyEwma}; time is passed in.
 */
public final class DecayingCounter {
    private final double decayNanos;
    private final AtomicLong bits = new AtomicLong(Double.doubleToRawLongBits(0.0));
    private final AtomicLong stamp = new AtomicLong(Long.MIN_VALUE);

    /** @param decayNanos a past event's weight falls to 1/e after this long */
    public DecayingCounter(long decayNanos) {
        this.decayNanos = decayNanos;
    }

    public void add(long nowNanos) {
        long prev = stamp.getAndAccumulate(nowNanos, Math::max);
        double keep = prev == Long.MIN_VALUE ? 0 : Math.exp(-Math.max(0, nowNanos - prev) / decayNanos);
        while (true) {
            long old = bits.get();
            double next = Double.longBitsToDouble(old) * keep + 1;
            if (bits.compareAndSet(old, Double.doubleToRawLongBits(next))) return;
        }
    }

    public double value(long nowNanos) {
        double v = Double.longBitsToDouble(bits.get());
        long last = stamp.get();
        if (v == 0 || last == Long.MIN_VALUE || nowNanos <= last) return v;
        return v * Math.exp(-(nowNanos - last) / decayNanos);
    }
}
