package io.turnpike.upstream;

/** The service-wide circuit breaker. */
public final class ServiceBreaker {
    /** Null to let the call through, else a refusal (open: calls stopped). */
    public Admission admit(long nowNanos) {
        return null;
    }

    public void onOutcome(Outcome outcome, long latencyNanos, long nowNanos) {}
}
