package io.turnpike.ratelimit;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code rateLimitMode: exact}: every call is decided by an atomic Lua script in Redis that
 * checks and takes from all its limits at once (all or nothing), on Redis' clock, so every
 * gateway of the fleet sees one budget. The request waits for the answer without blocking.
 *
 * <p>Calls an event loop reads in one pass go to Redis together: one script decides them one
 * after the other, in order, each all or nothing, as if each had been sent alone. Under load this
 * makes one round trip (and one script run) per batch of calls instead of one per call.
 */
final class ExactLimiter implements Limiter {
    private static final io.turnpike.core.SharedRedis.Script GCRA = RedisLink.script("gcra.lua");
    private static final io.turnpike.core.SharedRedis.Script BATCH = RedisLink.script("gcra_batch.lua");
    /** A batch this large goes out at once; the next calls start another. */
    static final int MAX_BATCH = 256;

    private final RedisLink link;
    private final Fallback fallback;
    private final RateLimitStats stats;
    private final FastThreadLocal<Batch> open = new FastThreadLocal<>();

    ExactLimiter(RedisLink link, Fallback fallback, RateLimitStats stats) {
        this.link = link;
        this.fallback = fallback;
        this.stats = stats;
    }

    /** One call waiting in a batch. */
    private record Call(Limit[] limits, String[] keys, CompletableFuture<LimitOutcome> result) {}

    /** The calls one event loop decided in its current pass; sent after the pass (or when full). */
    private final class Batch implements Runnable {
        final List<Call> calls = new ArrayList<>();
        int keys;
        boolean sent;

        @Override
        public void run() {
            if (open.get() == this) open.remove();
            if (sent) return;
            sent = true;
            send(calls, keys);
        }
    }

    @Override
    public Decision decide(Limit[] limits, String[] keys) {
        if (!link.up()) return fallback.decide(limits, keys);
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        CompletableFuture<LimitOutcome> result = new CompletableFuture<>();
        if (loop == null) {
            send(List.of(new Call(limits, keys, result)), limits.length);
            return new Decision.Later(result);
        }
        Batch b = open.get();
        if (b == null) {
            b = new Batch();
            open.set(b);
            loop.execute(b);
        }
        b.calls.add(new Call(limits, keys, result));
        b.keys += limits.length;
        if (b.calls.size() >= MAX_BATCH) b.run();
        return new Decision.Later(result);
    }

    private void send(List<Call> calls, int keyCount) {
        stats.redisCalls.increment();
        if (calls.size() == 1) {
            Call c = calls.get(0);
            String[] redisKeys = new String[c.limits.length];
            String[] args = new String[c.limits.length * 2];
            for (int i = 0; i < c.limits.length; i++) {
                redisKeys[i] = c.limits[i].redisPrefix + c.keys[i];
                args[2 * i] = c.limits[i].redisInterval;
                args[2 * i + 1] = c.limits[i].redisBurst;
            }
            link.run(GCRA, redisKeys, args).whenComplete((r, e) ->
                    c.result.complete(e != null ? fallback.decide(c.limits, c.keys) : outcome(c.limits, r, 0)));
            return;
        }
        String[] redisKeys = new String[keyCount];
        String[] args = new String[1 + calls.size() + 2 * keyCount];
        args[0] = Integer.toString(calls.size());
        int k = 0;
        int a = 1;
        for (Call c : calls) {
            args[a++] = Integer.toString(c.limits.length);
            for (int i = 0; i < c.limits.length; i++) {
                redisKeys[k++] = c.limits[i].redisPrefix + c.keys[i];
                args[a++] = c.limits[i].redisInterval;
                args[a++] = c.limits[i].redisBurst;
            }
        }
        link.run(BATCH, redisKeys, args).whenComplete((r, e) -> {
            int at = 0;
            for (Call c : calls) {
                c.result.complete(e != null ? fallback.decide(c.limits, c.keys) : outcome(c.limits, r, at));
                at += 2 + 2 * c.limits.length;
            }
        });
    }

    /** The outcome of one call from the script's answer, which starts at {@code at}. */
    private static LimitOutcome outcome(Limit[] limits, List<Object> r, int at) {
        boolean allowed = number(r.get(at)) == 1;
        long retry = number(r.get(at + 1)) * 1000;
        LimitOutcome answer = null;
        for (int i = 0; i < limits.length; i++) {
            long remaining = number(r.get(at + 2 + 2 * i));
            long reset = number(r.get(at + 3 + 2 * i)) * 1000;
            LimitOutcome o = allowed || remaining > 0 ? LimitOutcome.allowed(limits[i], remaining, reset)
                    : LimitOutcome.refused(limits[i], reset, retry);
            answer = LimitOutcome.stricter(answer, o);
        }
        if (!allowed && answer.allowed()) {
            answer = LimitOutcome.refused(answer.limit(), answer.resetNanos(), retry);
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
