package io.turnpike.upstream;

import io.turnpike.upstream.breaker.Outcome;
import java.util.concurrent.atomic.LongAdder;

/**
 * A node's live numbers, updated on the hot path without locks: requests in flight, totals,
 * peak-sensitive moving averages of the time to the first and to the last byte, the success rate
 * over the last seconds, and how much high-priority traffic it took lately. Every method takes the
 * time from its caller, so tests move the clock by hand.
 */
public final class NodeStats {
    /** How fast the latency averages forget (Finagle's default): a slow spell fades within seconds. */
    public static final long LATENCY_DECAY_NANOS = 10_000_000_000L;
    /** How long the success rate looks back. */
    public static final int WINDOW_SECONDS = 10;
    /** How fast the high-priority pick count fades: short, so the share cap follows the traffic. */
    static final long HIGH_PRIORITY_DECAY_NANOS = 1_000_000_000L;

    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final LatencyEwma firstByte = new LatencyEwma(LATENCY_DECAY_NANOS);
    private final LatencyEwma total = new LatencyEwma(LATENCY_DECAY_NANOS);
    private final SuccessWindow window = new SuccessWindow(WINDOW_SECONDS);
    private final DecayingCounter highPriorityPicks = new DecayingCounter(HIGH_PRIORITY_DECAY_NANOS);

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
    public void onEnd(Outcome outcome, long firstByteNanos, long totalNanos, long nowNanos) {
        inFlight.decrement();
        if (outcome.failed()) failures.increment();
        if (outcome == Outcome.CANCELLED) return; // the client left: nothing learnt about the node
        window.record(!outcome.failed(), nowNanos);
        if (outcome == Outcome.CONNECT_FAILURE) return; // a fast refusal must not make the node look fast
        total.observe(totalNanos, nowNanos);
        if (firstByteNanos >= 0) {
            firstByte.observe(firstByteNanos, nowNanos);
        } else if (outcome == Outcome.TIMEOUT || outcome == Outcome.RESET) {
            firstByte.observe(totalNanos, nowNanos); // waited that long for nothing: at least that slow
        }
    }

    public long requests() { return requests.sum(); }
    public long failures() { return failures.sum(); }
    public long inFlight() { return inFlight.sum(); }

    /** Moving average of the time to the response head, in ns; 0 before the first response. */
    public double ewmaFirstByteNanos() { return firstByte.value(); }
    /** Moving average of the time to the response's end, in ns; 0 before the first response. */
    public double ewmaTotalNanos() { return total.value(); }

    /**
     * The latency balancers compare: the first-byte average decayed for the time the node has been
     * left alone (an idle node's estimate sinks until it is probed again); 0 = never measured.
     */
    public double latencyCost(long nowNanos) { return firstByte.cost(nowNanos); }

    /** Share of successful attempts over the last {@link #WINDOW_SECONDS}; NaN when there were none. */
    public double successRate(long nowNanos) { return window.successRate(nowNanos); }

    /** A high-priority call was sent here (for the share cap). */
    public void onHighPriorityPick(long nowNanos) { highPriorityPicks.add(nowNanos); }

    /** High-priority calls sent here lately (a fading count). */
    public double highPriorityLoad(long nowNanos) { return highPriorityPicks.value(nowNanos); }
}
