package io.turnpike.ratelimit;

import java.util.concurrent.atomic.LongAdder;

/** Counts of rate-limit decisions, kept for the gateway's life (across reloads) and shown as metrics. */
final class RateLimitStats {
    final LongAdder allowed = new LongAdder();
    final LongAdder limited = new LongAdder();
    /** Decisions made on per-node limits because Redis could not be reached. */
    final LongAdder fallback = new LongAdder();
    /** Calls refused because Redis could not be reached and {@code onRedisDown: closed}. */
    final LongAdder closed = new LongAdder();
    /** Redis round trips (scripts run), and leases taken in lease mode. */
    final LongAdder redisCalls = new LongAdder();
    final LongAdder redisDowns = new LongAdder();
}
