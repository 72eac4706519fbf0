package io.turnpike.upstream;

import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.config.ServiceSpec;
import io.turnpike.upstream.breaker.CircuitBreaker;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether a node may take traffic now: active health checks, passive outlier ejection and the
 * node's own circuit breaker all decide here. Read on the hot path (volatile reads, no locks, no
 * allocation), written by the health checker and by attempts' outcomes.
 */
public final class NodeHealth {
    /** Ejections grow by {@code ejectFor} each time, up to this many times it. */
    static final int MAX_EJECTION_FACTOR = 10;

    private volatile boolean checkedDown;
    private volatile long ejectedUntil;
    private volatile boolean ejectedEver;
    private volatile CircuitBreaker breaker;
    private volatile String name = "node";
    private volatile ServiceSpec.OutlierDetection outliers;
    private volatile EjectionCap cap;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger ejections = new AtomicInteger();

    /**
     * Follows a (re)loaded service: its outlier rule, its ejection cap and its breaker's thresholds.
     * The breaker itself, its state and the ejection history carry over.
     */
    void configure(Node node, ServiceSpec spec, EjectionCap cap) {
        name = "node " + node;
        CircuitBreaker b = breaker;
        if (b == null) {
            breaker = new CircuitBreaker("node " + node, spec.circuitBreaker());
        } else {
            b.configure(spec.circuitBreaker());
        }
        this.outliers = spec.outlierDetection();
        this.cap = cap;
        if (spec.outlierDetection() == null) ejectedEver = false; // outlier detection dropped: nobody stays out
    }

    /** True when the node may be picked. In half-open this hands out one of the breaker's probe permits. */
    public boolean available(long nowNanos) {
        if (checkedDown) return false;
        if (ejectedEver && nowNanos - ejectedUntil < 0) return false;
        CircuitBreaker b = breaker;
        return b == null || b.allowsCalls(nowNanos);
    }

    /**
     * The balancer chose this node for an attempt: in half-open this takes one of the breaker's
     * probe permits. Taken here rather than in {@link #available}, because a balancer looks at
     * several nodes (power of two choices) for each one it picks. False when the permits ran out
     * in the meantime: pick another node.
     */
    public boolean onPicked(long nowNanos) {
        CircuitBreaker b = breaker;
        return b == null || b.tryAcquire(nowNanos);
    }

    /** What an attempt at the node came to (outlier detection and the node's breaker count it). */
    public void onOutcome(Outcome outcome, long latencyNanos, long nowNanos) {
        CircuitBreaker b = breaker;
        if (b != null) b.onOutcome(outcome, latencyNanos, nowNanos);
        ServiceSpec.OutlierDetection od = outliers;
        if (od == null || outcome == Outcome.CANCELLED) return;
        if (!outcome.failed()) {
            if (consecutiveFailures.get() != 0) consecutiveFailures.set(0); // no write while healthy
        } else if (consecutiveFailures.incrementAndGet() >= od.consecutiveFailures()) {
            consecutiveFailures.set(0);
            eject(od, nowNanos);
        }
    }

    private void eject(ServiceSpec.OutlierDetection od, long now) {
        EjectionCap c = cap;
        if (ejected(now) || (c != null && !c.allows(now))) return;
        long base = od.ejectFor().toNanos();
        // A node that stayed in long enough after its last ejection starts again from one ejectFor.
        if (ejectedEver && now - ejectedUntil > base * MAX_EJECTION_FACTOR) ejections.set(0);
        int factor = Math.min(ejections.incrementAndGet(), MAX_EJECTION_FACTOR);
        ejectedUntil = now + base * factor;
        ejectedEver = true;
        org.slf4j.LoggerFactory.getLogger(NodeHealth.class).warn(
                "{} ejected for {} ms after {} consecutive failures (stop traffic to it; ejection {})",
                name, base * factor / 1_000_000, od.consecutiveFailures(), ejections.get());
    }

    /** Ejected by outlier detection now. */
    public boolean ejected(long nowNanos) {
        return ejectedEver && nowNanos - ejectedUntil < 0;
    }

    /** When the ejection ends (nanoTime); meaningful only while {@link #ejected}. */
    public long ejectedUntil() { return ejectedUntil; }

    /** Ejections so far (the next one lasts one {@code ejectFor} longer, up to the cap). */
    public int ejections() { return ejections.get(); }

    /** Set by active health checks: the node failed {@code unhealthyAfter} checks in a row. */
    public void checkedDown(boolean down) { this.checkedDown = down; }

    public boolean checkedDown() { return checkedDown; }

    /** The node's own breaker (null until its service was built). */
    public CircuitBreaker breaker() { return breaker; }
}
