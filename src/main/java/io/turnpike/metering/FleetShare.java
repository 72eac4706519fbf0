package io.turnpike.metering;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One consumer's quota period as this node knows the fleet's count: the last count Redis answered
 * ({@code seen}), and the units this node let through on its own while Redis was unreachable
 * ({@code taken}), which it owes the fleet's counter until the next answer. While Redis is down the
 * node lets a call in if it fits in its share: (quota - seen) / expectedNodes. Lock-free, as
 * {@link QuotaCounter}.
 */
final class FleetShare {
    private record State(long periodStart, long seen, long taken) {}

    private static final State NONE = new State(Long.MIN_VALUE, -1, 0);

    private final AtomicReference<State> state = new AtomicReference<>(NONE);

    private State in(State s, long periodStart) {
        return s.periodStart == periodStart ? s : new State(periodStart, -1, 0);
    }

    /** Redis answered that the period stands at {@code count} units (used and held). */
    void seen(long periodStart, long count) {
        while (true) {
            State s = state.get();
            if (s.periodStart > periodStart) return;
            State cur = in(s, periodStart);
            if (state.compareAndSet(s, new State(periodStart, count, cur.taken))) return;
        }
    }

    /** The fleet's count as last known (seen and taken since), or -1 when Redis never answered for this period. */
    long known(long periodStart) {
        State s = state.get();
        return s.periodStart != periodStart || s.seen < 0 ? -1 : s.seen + s.taken;
    }

    /**
     * Takes {@code cost} from this node's share of what remains of {@code limit}; false (nothing
     * taken) when it does not fit. {@code base} is the count to start from when Redis never answered
     * for the period (the ledger at start and this node's calls since).
     */
    boolean tryTake(long periodStart, long cost, long limit, int nodes, long base) {
        while (true) {
            State s = state.get();
            if (s.periodStart > periodStart) return false; // the period is over already
            State cur = in(s, periodStart);
            long fleet = cur.seen >= 0 ? cur.seen : base;
            long share = Math.max(0, limit - fleet) / Math.max(1, nodes);
            if (cur.taken + cost > share) return false;
            if (state.compareAndSet(s, new State(periodStart, cur.seen, cur.taken + cost))) return true;
        }
    }

    /** The count a refusal in the fallback reports: the fleet's as last known (or {@code base}) and what this node took since. */
    long count(long periodStart, long base) {
        State s = in(state.get(), periodStart);
        return (s.seen >= 0 ? s.seen : base) + s.taken;
    }

    /** Gives back {@code units} taken in the period (a call that is not billable). */
    void give(long periodStart, long units) {
        while (true) {
            State s = state.get();
            if (s.periodStart != periodStart) return;
            if (state.compareAndSet(s, new State(periodStart, s.seen, s.taken - units))) return;
        }
    }

    /** Claims what this node owes the fleet's counter for the period (0 when nothing); {@link #give} it back if Redis did not take it. */
    long claimOwed(long periodStart) {
        while (true) {
            State s = state.get();
            if (s.periodStart != periodStart || s.taken == 0) return 0;
            if (state.compareAndSet(s, new State(periodStart, s.seen, 0))) return s.taken;
        }
    }
}
