package io.turnpike.upstream;

import java.util.concurrent.atomic.LongAdder;

/**
 * A node's live numbers, updated on the hot path without locks: requests in flight, totals, and
 * (for latency-aware balancing) moving averages of response time.
 */
public final class NodeStats {
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder inFlight = new LongAdder();

    /** An attempt starts (the request is on its way to the node). */
    public void onStart(long nowNanos) {
        requests.increment();
        inFlight.increment();
    }

    /**
     * The attempt ended.
     *
     * @param firstByteNanos start to the response head; -1 when there was none
     * @param totalNanos     start to the end
     */
    public void onEnd(Outcome outcome, long firstByteNanos, long totalNanos) {
        inFlight.decrement();
        if (outcome.failed()) failures.increment();
    }

    public long requests() { return requests.sum(); }
    public long failures() { return failures.sum(); }
    public long inFlight() { return inFlight.sum(); }
}
