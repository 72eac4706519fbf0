package io.turnpike.observe;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An exponentially weighted moving average of latency samples, updated lock-free from any event
 * loop. It weighs samples, not time: each new sample moves the average by {@link #WEIGHT} of the
 * difference, so no clock is needed and a quiet node keeps its last value.
 */
final class Ewma {
    static final double WEIGHT = 0.2;
    private static final long UNSET = Double.doubleToRawLongBits(Double.NaN);

    private final AtomicLong bits = new AtomicLong(UNSET);

    void update(double sample) {
        long prev;
        long next;
        do {
            prev = bits.get();
            double old = Double.longBitsToDouble(prev);
            double avg = Double.isNaN(old) ? sample : old + WEIGHT * (sample - old);
            next = Double.doubleToRawLongBits(avg);
        } while (!bits.compareAndSet(prev, next));
    }

    /** The average so far; NaN before the first sample. */
    double value() {
        return Double.longBitsToDouble(bits.get());
    }
}
