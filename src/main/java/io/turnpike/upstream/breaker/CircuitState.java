package io.turnpike.upstream.breaker;

import java.util.Locale;

/** Where a circuit breaker stands. The forced states are an operator's, and stay until changed. */
public enum CircuitState {
    /** Calls flow; the window is watched. */
    CLOSED,
    /** Calls are stopped until {@code openFor} has passed. */
    OPEN,
    /** A few probe calls go through; they decide between closed and open. */
    HALF_OPEN,
    /** An operator stopped traffic; only an operator resumes it. */
    FORCED_OPEN,
    /** An operator keeps traffic flowing whatever the failures. */
    FORCED_CLOSED;

    /** The name used in the admin API and metrics: {@code half-open}, {@code forced-open}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** What it means for traffic, for operator-facing text. */
    public String effect() {
        return switch (this) {
            case CLOSED, FORCED_CLOSED -> "resume traffic";
            case OPEN, FORCED_OPEN -> "stop traffic";
            case HALF_OPEN -> "probe calls only";
        };
    }
}
