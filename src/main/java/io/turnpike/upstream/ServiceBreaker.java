package io.turnpike.upstream;

import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.config.ServiceSpec;
import io.turnpike.upstream.breaker.CircuitBreaker;
import io.turnpike.upstream.breaker.CircuitState;

/**
 * The service-wide circuit breaker. The {@link CircuitBreaker} inside outlives reloads (a new
 * {@code Service} adopts the old one's), so an open circuit or an operator's order survives them.
 */
public final class ServiceBreaker {
    private static final Admission FORCED = new Admission(Admission.Reason.CIRCUIT_OPEN, CircuitBreaker.UNKNOWN_RETRY_NANOS);

    // Set in Service.build before the snapshot is published (a volatile write), never after.
    private CircuitBreaker circuit = new CircuitBreaker("service ?", null);

    /** Takes over {@code previous}'s breaker (or starts one) with the thresholds of {@code spec}. */
    void adopt(ServiceBreaker previous, ServiceSpec spec) {
        circuit = previous != null ? previous.circuit : new CircuitBreaker("service " + spec.id(), null);
        circuit.configure(spec.circuitBreaker());
    }

    public CircuitBreaker circuit() { return circuit; }

    /** Null to let the call through, else a refusal (open: calls stopped) with the time left. */
    public Admission admit(long nowNanos) {
        CircuitBreaker c = circuit;
        if (c.tryAcquire(nowNanos)) return null;
        // Refusals only: the open state's remaining time differs per call; forced open has none.
        return c.state() == CircuitState.OPEN
                ? new Admission(Admission.Reason.CIRCUIT_OPEN, c.retryAfterNanos(nowNanos)) : FORCED;
    }

    public void onOutcome(Outcome outcome, long latencyNanos, long nowNanos) {
        circuit.onOutcome(outcome, latencyNanos, nowNanos);
    }
}
