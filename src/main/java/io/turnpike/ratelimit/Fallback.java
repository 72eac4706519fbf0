package io.turnpike.ratelimit;

/**
 * What the Redis limiters do while Redis cannot be reached: decide on this node's share of each
 * limit (limit / expectedNodes, in process), or refuse ({@code onRedisDown: closed}).
 */
final class Fallback {
    private final LocalStore store;
    private final RateLimitStats stats;
    private final boolean closed;

    Fallback(LocalStore store, RateLimitStats stats, boolean closed) {
        this.store = store;
        this.stats = stats;
        this.closed = closed;
    }

    LimitOutcome decide(Limit[] limits, String[] keys) {
        if (closed) {
            stats.closed.increment();
            return LimitOutcome.CLOSED;
        }
        stats.fallback.increment();
        Limit[] shares = new Limit[limits.length];
        for (int i = 0; i < limits.length; i++) shares[i] = limits[i].fallback;
        return store.decide(shares, keys);
    }

    boolean closed() {
        return closed;
    }
}
