package io.turnpike.upstream.breaker;

import io.turnpike.config.ServiceSpec;

/**
 * A breaker's thresholds in the units the hot path compares: nanoseconds and calls.
 *
 * @param slowOverNanos a call at least this long is slow; {@code Long.MAX_VALUE} = no slow-call rule
 */
record CircuitSettings(double failureRate, long slowOverNanos, double slowRate, int window, long openForNanos,
                       int halfOpenCalls) {

    static CircuitSettings of(ServiceSpec.CircuitBreaker spec) {
        if (spec == null) return null;
        return new CircuitSettings(spec.failureRate(),
                spec.slowOver() == null ? Long.MAX_VALUE : spec.slowOver().toNanos(),
                spec.slowOver() == null ? 2.0 : spec.slowRate(),
                spec.window(), spec.openFor().toNanos(), spec.halfOpenCalls());
    }
}
