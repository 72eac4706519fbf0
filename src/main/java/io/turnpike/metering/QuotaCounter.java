package io.turnpike.metering;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One consumer's units in its current quota period. Lock-free: a compare-and-set of an immutable
 * (period, used) pair, so a call landing as the period turns over starts the new count cleanly.
 */
final class QuotaCounter {
    private record State(long periodStart, long used) {}

    private final AtomicReference<State> state = new AtomicReference<>(new State(Long.MIN_VALUE, 0));

    /** Units used in the period starting at {@code periodStart}. */
    long used(long periodStart) {
        State s = state.get();
        return s.periodStart == periodStart ? s.used : 0;
    }

    /** Adds units to the period starting at {@code periodStart}; returns the units used after. */
    long add(long periodStart, long units) {
        while (true) {
            State s = state.get();
            long base = s.periodStart == periodStart ? s.used : 0;
            if (s.periodStart > periodStart) return base; // a late call from a period already over
            State next = new State(periodStart, base + units);
            if (state.compareAndSet(s, next)) return next.used;
        }
    }

    /**
     * Takes {@code units} in the period starting at {@code periodStart} if they fit under
     * {@code limit}; false (and nothing taken) when they do not. What a quota check holds for a call
     * in flight, so concurrent calls cannot together pass the quota.
     */
    boolean tryReserve(long periodStart, long units, long limit) {
        while (true) {
            State s = state.get();
            if (s.periodStart > periodStart) return false; // the period is over already
            long base = s.periodStart == periodStart ? s.used : 0;
            if (base + units > limit) return false;
            if (state.compareAndSet(s, new State(periodStart, base + units))) return true;
        }
    }

    /** Sets the count (seeding from the ledger at start). */
    void seed(long periodStart, long used) {
        state.set(new State(periodStart, used));
    }
}
