package io.turnpike.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The generic cell rate algorithm over one number per key, its theoretical arrival time (TAT):
 * a call is let in when, after it, the TAT would be at most {@code burst} intervals ahead of now.
 * Equivalent to a token bucket of {@code burst} tokens refilled one per interval, but one CAS on a
 * long is the whole state change, so it needs no lock.
 *
 * <p>Times are nanoseconds of a clock that never goes below 1 (see {@link LocalStore}).
 */
final class Gcra {
    final long interval;
    final long burst;
    /** How far ahead of now the TAT may be after a call: {@code burst * interval}. */
    final long tolerance;

    Gcra(long intervalNanos, long burst) {
        this.interval = Math.max(1, intervalNanos);
        this.burst = Math.max(1, burst);
        long t;
        try {
            t = Math.min(Long.MAX_VALUE / 4, Math.multiplyExact(this.interval, this.burst));
        } catch (ArithmeticException e) {
            t = Long.MAX_VALUE / 4; // a burst of years: capped where sums cannot overflow
        }
        this.tolerance = t;
    }

    /**
     * Takes one call from {@code tat} at {@code now}.
     *
     * @return the new TAT (> 0) when the call is let in; minus the unchanged TAT when it is not
     */
    long take(AtomicLong tat, long now) {
        while (true) {
            long stored = tat.get();
            long base = Math.max(stored, now);
            long next = base + interval;
            if (next - now > tolerance) return -base;
            if (tat.compareAndSet(stored, next)) return next;
        }
    }

    /** Gives back a call taken with {@link #take} (another limit of the same call said no). */
    void refund(AtomicLong tat) {
        tat.addAndGet(-interval);
    }

    /** Calls that could be let in at once, with the TAT at {@code tat}. */
    long remaining(long tat, long now) {
        return Math.max(0, (now + tolerance - Math.max(tat, now)) / interval);
    }

    /** Until the key is back to a full burst. */
    long resetNanos(long tat, long now) {
        return Math.max(0, tat - now);
    }

    /** Until a call that was refused at TAT {@code tat} would be let in. */
    long retryNanos(long tat, long now) {
        return Math.max(1, tat + interval - tolerance - now);
    }
}
