package io.turnpike.proxy;

/**
 * A request's deadline: the route's timeout (the route's {@code timeout}, else the service's
 * {@code timeouts.request}). It starts when the request first waits — from the head when a check
 * or a held body comes before any try, else when the first try gets a connection — and then bounds
 * every try, retry and wait after it. A caller may bring a deadline of its own (a gRPC call's
 * {@code grpc-timeout}), which caps it. Times are the loop's clock.
 */
final class Deadline {
    private final long timeoutNanos;
    private long route = Long.MAX_VALUE;
    private long caller = Long.MAX_VALUE;

    Deadline(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /** The deadline, {@code Long.MAX_VALUE} while none has started (or the route has no timeout). */
    long at() {
        return caller - route < 0 ? caller : route;
    }

    /** Starts the route's clock at {@code from} unless it runs already; returns the deadline. */
    long startAt(long from) {
        if (route == Long.MAX_VALUE && timeoutNanos > 0) route = from + timeoutNanos;
        return at();
    }

    /** The caller's own deadline, {@code absolute} (a gRPC call's). */
    void cap(long absolute) {
        caller = absolute;
    }

    boolean passed(long now) {
        return now - at() >= 0;
    }

    long timeoutMillis() {
        return timeoutNanos / 1_000_000;
    }
}
