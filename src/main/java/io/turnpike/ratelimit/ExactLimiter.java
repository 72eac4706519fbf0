package io.turnpike.ratelimit;

import java.util.List;

/**
 * {@code rateLimitMode: exact}: every call runs one atomic Lua script in Redis that checks and
 * takes from all its limits at once (all or nothing), on Redis' clock, so every gateway of the
 * fleet sees one budget. One round trip per call; the request waits for it without blocking.
 */
final class ExactLimiter implements Limiter {
    private static final RedisLink.Script GCRA = RedisLink.Script.load("gcra.lua");

    private final RedisLink link;
    private final Fallback fallback;
    private final RateLimitStats stats;

    ExactLimiter(RedisLink link, Fallback fallback, RateLimitStats stats) {
        this.link = link;
        this.fallback = fallback;
        this.stats = stats;
    }

    @Override
    public Decision decide(Limit[] limits, String[] keys) {
        if (!link.up()) return fallback.decide(limits, keys);
        String[] redisKeys = new String[limits.length];
        String[] args = new String[limits.length * 2];
        for (int i = 0; i < limits.length; i++) {
            redisKeys[i] = limits[i].redisPrefix + keys[i];
            args[2 * i] = micros(limits[i].gcra.interval);
            args[2 * i + 1] = Long.toString(limits[i].gcra.burst);
        }
        stats.redisCalls.increment();
        return new Decision.Later(link.run(GCRA, redisKeys, args).handle((r, e) ->
                e != null ? fallback.decide(limits, keys) : outcome(limits, r)));
    }

    private static Outcome outcome(Limit[] limits, List<Object> r) {
        boolean allowed = number(r.get(0)) == 1;
        long retry = number(r.get(1)) * 1000;
        Outcome answer = null;
        for (int i = 0; i < limits.length; i++) {
            long remaining = number(r.get(2 + 2 * i));
            long reset = number(r.get(3 + 2 * i)) * 1000;
            Outcome o = allowed || remaining > 0 ? Outcome.allowed(limits[i], remaining, reset)
                    : Outcome.refused(limits[i], reset, retry);
            answer = Outcome.stricter(answer, o);
        }
        if (!allowed && answer.allowed()) {
            answer = Outcome.refused(answer.limit(), answer.resetNanos(), retry);
        }
        return answer;
    }

    static long number(Object o) {
        return o instanceof Long l ? l : Long.parseLong(o.toString());
    }

    /** Nanoseconds as microseconds, with the fraction (Lua reads it as a number). */
    static String micros(long nanos) {
        return nanos % 1000 == 0 ? Long.toString(nanos / 1000) : Long.toString(nanos / 1000) + "." + String.format("%03d", nanos % 1000);
    }

    @Override
    public boolean shared() {
        return link.up();
    }
}
