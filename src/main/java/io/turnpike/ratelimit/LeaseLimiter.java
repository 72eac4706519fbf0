package io.turnpike.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code rateLimitMode: lease}: each gateway takes small batches of calls ("tokens") from the
 * shared Redis GCRA ahead of need and decides locally, so a call normally makes no Redis round
 * trip. A batch is renewed asynchronously when it runs low; only a key with no tokens left and no
 * known refusal waits for Redis. A refusal from Redis is remembered until its retry time, so
 * refused calls are answered locally too.
 *
 * <p>Leases never create calls: every token was taken from the shared GCRA, so the fleet admits
 * no more than the limit plus its burst; what leases change is <em>when</em> a token is spent.
 * A batch is at most {@code burst / (10 * expectedNodes)} tokens (at least 1) and sized to about
 * {@link #HORIZON} of this node's own traffic on the key, so it follows the node's share. Tokens
 * not spent within {@link #TTL} are given back to Redis. So over any window, the fleet admits at
 * most {@code limit + burst} plus the tokens leased before the window and spent in it, at most
 * {@code expectedNodes * batch <= burst / 10}: within 10% of the limit when burst = limit.
 */
final class LeaseLimiter implements Limiter {
    /** How much of its own traffic a node leases ahead. */
    static final long HORIZON = Duration.ofMillis(100).toNanos();
    /** Tokens unspent this long after their lease go back to Redis. */
    static final long TTL = Duration.ofMillis(500).toNanos();
    /** Renewals a waiting call sits through before it is refused (others spent each batch first). */
    private static final int ROUNDS = 3;
    private static final io.turnpike.core.SharedRedis.Script LEASE = RedisLink.script("lease.lua");
    private static final io.turnpike.core.SharedRedis.Script REFUND = RedisLink.script("refund.lua");

    private final RedisLink link;
    private final Fallback fallback;
    private final RateLimitStats stats;
    private final LocalStore clock;
    private final int expectedNodes;
    private final Cache<LocalStore.Key, Lease> leases;

    /** One key's tokens on this node. */
    static final class Lease {
        final Limit limit;
        final String redisKey;
        final AtomicLong tokens = new AtomicLong();
        final AtomicLong calls = new AtomicLong();
        /** Calls waiting for the renewal in flight: it asks for at least that many. */
        final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
        final AtomicReference<CompletableFuture<Void>> renewal = new AtomicReference<>();
        volatile long expiresAt;
        volatile long deniedUntil;
        volatile long lastRenewal;
        volatile long redisRemaining;
        volatile long redisResetAt;

        Lease(Limit limit, String redisKey) {
            this.limit = limit;
            this.redisKey = redisKey;
        }

        boolean take() {
            while (true) {
                long t = tokens.get();
                if (t <= 0) return false;
                if (tokens.compareAndSet(t, t - 1)) return true;
            }
        }
    }

    LeaseLimiter(RedisLink link, Fallback fallback, RateLimitStats stats, LocalStore clock, int expectedNodes,
                 int maxKeys) {
        this.link = link;
        this.fallback = fallback;
        this.stats = stats;
        this.clock = clock;
        this.expectedNodes = expectedNodes;
        // Upkeep on the calling thread (see LocalStore); a lease given back is a non-blocking Redis call.
        this.leases = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(maxKeys)
                .expireAfterAccess(Duration.ofNanos(TTL * 4))
                .<LocalStore.Key, Lease>removalListener((k, lease, cause) -> {
                    if (lease != null && cause != RemovalCause.REPLACED) giveBack(lease);
                })
                .build();
    }

    @Override
    public Decision decide(Limit[] limits, String[] keys) {
        if (!link.up()) return fallback.decide(limits, keys);
        return decide(limits, keys, ROUNDS);
    }

    /** @param rounds renewals the call may still wait for */
    private Decision decide(Limit[] limits, String[] keys, int rounds) {
        long now = clock.now();
        LimitOutcome answer = null;
        Lease[] took = new Lease[limits.length];
        CompletableFuture<?>[] pending = null;
        for (int i = 0; i < limits.length; i++) {
            Limit limit = limits[i];
            String key = keys[i];
            Lease lease = leases.get(new LocalStore.Key(limit.id, key, 0), k -> new Lease(limit, limit.redisPrefix + key));
            lease.calls.incrementAndGet();
            if (lease.tokens.get() > 0 && now - lease.expiresAt >= 0) giveBack(lease);
            if (lease.take()) {
                took[i] = lease;
                long left = lease.tokens.get();
                if (left < batch(lease, now) / 2 + 1 && wantsMore(lease, now)) renew(lease, now);
                answer = LimitOutcome.stricter(answer, LimitOutcome.allowed(limit, Math.max(0, lease.redisRemaining) + left,
                        Math.max(0, lease.redisResetAt - now)));
            } else if (now - lease.deniedUntil < 0) {
                answer = LimitOutcome.stricter(answer, LimitOutcome.refused(limit, Math.max(0, lease.redisResetAt - now),
                        lease.deniedUntil - now));
            } else if (rounds > 0) {
                if (pending == null) pending = new CompletableFuture<?>[limits.length];
                lease.waiting.incrementAndGet();
                pending[i] = renew(lease, now);
            } else {
                // Renewed for this call again and again, and others spent it first each time.
                answer = LimitOutcome.stricter(answer, LimitOutcome.refused(limit, Math.max(0, lease.redisResetAt - now),
                        limit.gcra.interval));
            }
        }
        if (pending == null || (answer != null && !answer.allowed())) {
            if (answer != null && !answer.allowed()) untake(took);
            return answer;
        }
        untake(took); // decided again once the renewals are in
        CompletableFuture<?>[] waits = java.util.Arrays.stream(pending).filter(java.util.Objects::nonNull)
                .toArray(CompletableFuture<?>[]::new);
        return new Decision.Later(CompletableFuture.allOf(waits).handle((v, e) -> {
            if (e != null || !link.up()) return CompletableFuture.completedFuture(fallback.decide(limits, keys));
            Decision again = decide(limits, keys, rounds - 1);
            return again instanceof LimitOutcome o ? CompletableFuture.completedFuture(o) : ((Decision.Later) again).outcome();
        }).thenCompose(stage -> stage));
    }

    /** Puts back the tokens this call took (another of its limits refused it, or it waits). */
    private static void untake(Lease[] took) {
        for (Lease l : took) {
            if (l != null) l.tokens.incrementAndGet();
        }
    }

    /** Whether this node's traffic on the key spends a batch before it expires. */
    private boolean wantsMore(Lease lease, long now) {
        long elapsed = Math.max(1, now - lease.lastRenewal);
        return lease.calls.get() * TTL / elapsed >= 1;
    }

    /** Tokens to ask for: about {@link #HORIZON} of this node's traffic, within the cap. */
    private long batch(Lease lease, long now) {
        Gcra g = lease.limit.gcra;
        long cap = Math.max(1, g.burst / (10L * expectedNodes));
        long elapsed = Math.max(1, now - lease.lastRenewal);
        long want = (long) Math.ceil(lease.calls.get() * (double) HORIZON / elapsed);
        return Math.max(1, Math.min(cap, want));
    }

    private CompletableFuture<Void> renew(Lease lease, long now) {
        CompletableFuture<Void> mine = null;
        while (true) {
            CompletableFuture<Void> running = lease.renewal.get();
            if (running != null) return running; // one renewal at a time per key: join it
            if (mine == null) mine = new CompletableFuture<>();
            if (lease.renewal.compareAndSet(null, mine)) break;
        }
        CompletableFuture<Void> done = mine;
        Gcra g = lease.limit.gcra;
        // The batch ahead of need, or what the calls waiting now need if more (they spend it at once).
        long want = Math.min(g.burst, Math.max(batch(lease, now), lease.waiting.get()));
        stats.redisCalls.increment();
        link.run(LEASE, new String[] {lease.redisKey}, lease.limit.redisInterval, lease.limit.redisBurst,
                Long.toString(want)).whenComplete((r, e) -> {
                    if (e == null) granted(lease, r);
                    lease.waiting.set(0); // they decide again, and wait again if they must
                    lease.renewal.set(null);
                    if (e == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(e);
                    }
                });
        return done;
    }

    private void granted(Lease lease, List<Object> r) {
        long at = clock.now();
        long granted = ExactLimiter.number(r.get(0));
        lease.redisRemaining = ExactLimiter.number(r.get(2));
        lease.redisResetAt = at + ExactLimiter.number(r.get(3)) * 1000;
        lease.lastRenewal = at;
        lease.calls.set(0);
        if (granted > 0) {
            lease.expiresAt = at + TTL; // before the tokens, so no one takes them for expired
            lease.tokens.addAndGet(granted);
        } else {
            lease.deniedUntil = at + ExactLimiter.number(r.get(1)) * 1000;
        }
    }

    /** Gives unspent tokens of an expired (or evicted) lease back to Redis, so they are not lost to the fleet. */
    private void giveBack(Lease lease) {
        long n = lease.tokens.getAndSet(0);
        if (n <= 0 || !link.up()) return;
        stats.redisCalls.increment();
        link.run(REFUND, new String[] {lease.redisKey}, lease.limit.redisInterval, Long.toString(n));
    }

    @Override
    public boolean shared() {
        return link.up();
    }

    /** Tokens held by this node now, all keys together (tests). */
    long held() {
        return leases.asMap().values().stream().mapToLong(l -> l.tokens.get()).sum();
    }
}
