package io.turnpike.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The in-process state of every local limit: one TAT per (limit, key), in a bounded cache.
 * A key idle long enough to be back at a full burst is dropped (it would start the same way
 * anew). At most {@code maxKeys} are kept, all limits together: past that the cache evicts the
 * keys it expects least use of (Caffeine's W-TinyLFU, which keeps frequently seen keys when a
 * flood of new ones arrives), and an evicted key that comes back starts with a full burst. So a
 * flood of distinct keys costs a bounded amount of memory, and at worst resets rarely seen keys.
 *
 * <p>Lives for the whole gateway, outside any config snapshot: limits a reload keeps keep their state.
 */
final class LocalStore {
    private static final Function<Key, AtomicLong> FRESH = k -> new AtomicLong();

    private final Cache<Key, AtomicLong> tats;
    private final LongSupplier ticker;
    private final long origin;

    /** A (limit, key) pair; {@code idleNanos} is how long it stays after its last use. */
    record Key(String limit, String value, long idleNanos) {}

    LocalStore(int maxKeys, LongSupplier ticker) {
        this.ticker = ticker;
        this.origin = ticker.getAsLong();
        // Upkeep (expiry, eviction) runs on the calling thread in small amortised steps, not as tasks
        // for the common pool: with expiry after each read, that was a thread woken every few calls,
        // taking the event loop's core on small machines.
        this.tats = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(maxKeys)
                .ticker(ticker::getAsLong)
                .expireAfter(new Expiry<Key, AtomicLong>() {
                    @Override
                    public long expireAfterCreate(Key key, AtomicLong value, long currentTime) {
                        return key.idleNanos;
                    }

                    @Override
                    public long expireAfterUpdate(Key key, AtomicLong value, long currentTime, long currentDuration) {
                        return key.idleNanos;
                    }

                    @Override
                    public long expireAfterRead(Key key, AtomicLong value, long currentTime, long currentDuration) {
                        return key.idleNanos;
                    }
                })
                .build();
    }

    /** Now on the store's clock: nanoseconds, always >= 1. */
    long now() {
        return ticker.getAsLong() - origin + 1;
    }

    /** The TAT of {@code value} under {@code limit}, created at 0 (a full burst) when absent. */
    AtomicLong tat(Limit limit, String value) {
        // Idle for one full refill, a key is back where a new one starts; a second interval of slack.
        return tats.get(new Key(limit.id, value, limit.gcra.tolerance + limit.gcra.interval), FRESH);
    }

    /** Decides one call against {@code limits} (keys in the same order): all let it in, or none counts it. */
    LimitOutcome decide(Limit[] limits, String[] keys) {
        long now = now();
        LimitOutcome answer = null;
        AtomicLong[] taken = null;
        for (int i = 0; i < limits.length; i++) {
            Gcra g = limits[i].gcra;
            AtomicLong tat = tat(limits[i], keys[i]);
            long r = g.take(tat, now);
            if (r > 0) {
                if (answer == null || answer.allowed()) {
                    answer = LimitOutcome.stricter(answer, LimitOutcome.allowed(limits[i], g.remaining(r, now), g.resetNanos(r, now)));
                }
                if (taken == null) taken = new AtomicLong[limits.length];
                taken[i] = tat;
            } else {
                answer = LimitOutcome.stricter(answer, LimitOutcome.refused(limits[i], g.resetNanos(-r, now), g.retryNanos(-r, now)));
            }
        }
        if (answer != null && !answer.allowed() && taken != null) {
            for (int i = 0; i < limits.length; i++) {
                if (taken[i] != null) limits[i].gcra.refund(taken[i]);
            }
        }
        return answer;
    }

    /** Keys held now (an estimate: expired and evicted keys leave in batches). */
    long size() {
        return tats.estimatedSize();
    }

    /** Runs pending evictions and expiries now (tests, and the size gauge's accuracy). */
    void cleanUp() {
        tats.cleanUp();
    }

    void maxKeys(int maxKeys) {
        tats.policy().eviction().ifPresent(e -> {
            if (e.getMaximum() != maxKeys) e.setMaximum(maxKeys);
        });
    }
}
