package io.turnpike.upstream;

/**
 * Whether a node may take traffic now: active health checks, passive outlier ejection and the
 * node's own circuit breaker all decide here. Read on the hot path, written by checkers.
 */
public final class NodeHealth {
    /** True when the node may be picked. */
    public boolean available(long nowNanos) {
        return true;
    }

    /** What an attempt at the node came to (outlier detection and the node's breaker count it). */
    public void onOutcome(Outcome outcome, long latencyNanos, long nowNanos) {}
}
