package io.turnpike.upstream.breaker;

/** How one attempt at a node ended, as the gateway saw it. */
public enum Outcome {
    /** A whole response with a status below 500. */
    SUCCESS,
    /** The node answered 5xx. */
    SERVER_ERROR,
    /** Connecting failed (refused, unreachable, connect timeout). */
    CONNECT_FAILURE,
    /** No answer, or a stalled one, within the timeouts. */
    TIMEOUT,
    /** The connection broke or the node sent garbage. */
    RESET,
    /** The client went away: says nothing about the node. */
    CANCELLED;

    /** Counts against the node (stats, outlier detection, breakers). */
    public boolean failed() {
        return this != SUCCESS && this != CANCELLED;
    }
}
