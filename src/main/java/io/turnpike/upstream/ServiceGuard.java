package io.turnpike.upstream;

/**
 * The service-wide gate in front of its nodes: its circuit breaker and load shedding. A request
 * asks {@link #admit} before a node is picked.
 */
public final class ServiceGuard {
    /** Whether a request may go ahead: refused while the breaker is open, or (for normal priority) when overloaded. */
    public Admission admit(boolean highPriority, long nowNanos) {
        return Admission.ALLOW;
    }

    /** The end of one attempt at one of the service's nodes. */
    public void onOutcome(Outcome outcome, long latencyNanos, long nowNanos) {}

    /** A request admitted by {@link #admit} is done (for in-flight accounting). */
    public void onRequestEnd() {}
}
