package io.turnpike.upstream;

import io.turnpike.upstream.breaker.Outcome;

/**
 * The service-wide gate in front of its nodes: its circuit breaker and load shedding. A request
 * asks {@link #admit} before a node is picked.
 */
public final class ServiceGuard {
    private final ServiceBreaker breaker;
    private final LoadShedder shedder;

    public ServiceGuard(ServiceBreaker breaker, LoadShedder shedder) {
        this.breaker = breaker;
        this.shedder = shedder;
    }

    public ServiceBreaker breaker() { return breaker; }
    public LoadShedder shedder() { return shedder; }

    /** Whether a request may go ahead: refused while the breaker is open, or (for normal priority) when overloaded. */
    public Admission admit(boolean highPriority, long nowNanos) {
        Admission refused = breaker.admit(nowNanos);
        if (refused != null) return refused;
        refused = shedder.admit(highPriority, nowNanos);
        return refused != null ? refused : Admission.ALLOW;
    }

    /** The end of one attempt at one of the service's nodes. */
    public void onOutcome(Outcome outcome, long latencyNanos, long nowNanos) {
        breaker.onOutcome(outcome, latencyNanos, nowNanos);
    }

    /** A request admitted by {@link #admit} is done (for in-flight accounting). */
    public void onRequestEnd() {
        shedder.onRequestEnd();
    }
}
