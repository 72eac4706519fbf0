package io.turnpike.proxy;

/**
 * A request's deadline: the route's timeout (the route's {@code timeout}, else the service's
 * {@code timeouts.request}). It starts when the request first waits — from the head when a check
 * or a held body comes before any try, else when the first try gets a connection — and then bounds
 * every try, retry and wait after it. Times are the loop's clock.
 */
final class Deadline {
    private final long timeoutNanos;
    private long at = Long.MAX_VALUE;

    Deadline(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /** The deadline, {@code Long.MAX_VALUE} while it has not started (or the route has no timeout). */
    long at() {
        return at;
    }

    /** Starts the clock at {@code from} unless it runs already; returns the deadline. */
    long startAt(long from) {
        if (at == Long.MAX_VALUE && timeoutNanos > 0) at = from + timeoutNanos;
        return at;
    }

    boolean passed(long now) {
        return now - at >= 0;
    }

    long timeoutMillis() {
        return timeoutNanos / 1_000_000;
    }
}
