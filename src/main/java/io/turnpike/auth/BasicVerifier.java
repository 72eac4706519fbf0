package io.turnpike.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * HTTP Basic credentials checked against bcrypt hashes (Spring Security's {@link BCrypt}). bcrypt
 * is slow on purpose (a quarter second at cost 12), so it never runs on an event loop: checks go to
 * a bounded pool, and when it has no room the caller answers 503 with Retry-After rather than
 * queueing without end. Outcomes are kept briefly, keyed by a SHA-256 of user, password and stored
 * hash (never the password itself), so a client repeating its credentials is answered at once,
 * without the pool; the same credentials arriving while their check waits share it. One client
 * address may hold only a quarter of the queue, so a single sender of made-up passwords cannot
 * keep every other user's first check out. An unknown user is checked against a stand-in hash, so
 * it costs what a wrong password costs.
 */
public final class BasicVerifier {
    /** A user name and password as the client sent them. */
    public record Offered(String user, String password) {}

    private static final String STAND_IN_HASH = "$2b$12$YgXPR85ak9YLjPaRbGrnGeuojmhoNANl/lCKKXGnUVTm3X35HuU0u";
    static final Duration CACHE_TTL = Duration.ofSeconds(60);
    /** Half the cores: the other half keeps the event loops serving while passwords are hashed. */
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    /** Checks waiting for a thread; at cost 12 (~0.25 s each) a full queue is a few seconds' wait, past it 503. */
    private static final int QUEUE = 32;
    /** Checks one client address may have waiting or running at once. */
    static final int PER_CLIENT = QUEUE / 4;
    private static final ThreadPoolExecutor POOL = pool();
    private static final Cache<String, Boolean> OUTCOMES = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(CACHE_TTL).build();
    /** Checks waiting or running, by cache key: the same credentials again wait for the same check. */
    private static final ConcurrentHashMap<String, CompletableFuture<Boolean>> PENDING = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Integer> PENDING_BY_CLIENT = new ConcurrentHashMap<>();
    private static final AtomicInteger HASHED = new AtomicInteger();
    /** How long the last check took, for Retry-After; a cost-12 guess until one has run. */
    private static volatile long lastCheckNanos = TimeUnit.MILLISECONDS.toNanos(250);

    private BasicVerifier() {}

    private static ThreadPoolExecutor pool() {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor p = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "turnpike-bcrypt-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** The credentials of {@code Authorization: Basic ...}, or null when there are none or they are malformed. */
    public static Offered offered(HttpHeaders h) {
        String v = h.get(HttpHeaderNames.AUTHORIZATION);
        if (v == null || v.length() < 7 || !v.regionMatches(true, 0, "Basic ", 0, 6)) return null;
        try {
            String decoded = new String(Base64.getDecoder().decode(v.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : new Offered(decoded.substring(0, colon), decoded.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Where outcomes are kept: the digest of user, password and the hash they were checked against. */
    static String cacheKey(Offered o, String hash) {
        return HexFormat.of().formatHex(Consumers.sha256(o.user() + '\0' + o.password() + '\0' + hash));
    }

    /** The outcome of an earlier check of these credentials, or null when there is none (still). */
    public static Boolean cached(Offered o, Consumers.BasicUser user) {
        return OUTCOMES.getIfPresent(cacheKey(o, user == null ? STAND_IN_HASH : user.passwordHash()));
    }

    /**
     * Checks the password off the calling thread; completes with whether it matches (always false
     * for an unknown user). Null when there is no room for the check: the pool's queue is full, or
     * {@code client} already has {@link #PER_CLIENT} checks waiting ({@link #retryAfterSeconds}).
     *
     * @param client the caller's address
     */
    public static CompletableFuture<Boolean> check(Offered o, Consumers.BasicUser user, String client) {
        String hash = user == null ? STAND_IN_HASH : user.passwordHash();
        String key = cacheKey(o, hash);
        CompletableFuture<Boolean> same = PENDING.get(key);
        if (same != null) return same;
        if (PENDING_BY_CLIENT.merge(client, 1, Integer::sum) > PER_CLIENT) {
            release(client);
            return null;
        }
        CompletableFuture<Boolean> outcome = new CompletableFuture<>();
        CompletableFuture<Boolean> raced = PENDING.putIfAbsent(key, outcome);
        if (raced != null) {
            release(client);
            return raced;
        }
        try {
            POOL.execute(() -> {
                try {
                    long start = System.nanoTime();
                    HASHED.incrementAndGet();
                    boolean ok = BCrypt.checkpw(o.password(), hash) && user != null;
                    lastCheckNanos = System.nanoTime() - start;
                    OUTCOMES.put(key, ok);
                    outcome.complete(ok);
                } catch (RuntimeException e) {
                    outcome.completeExceptionally(e);
                } finally {
                    PENDING.remove(key, outcome);
                    release(client);
                }
            });
        } catch (RejectedExecutionException full) {
            PENDING.remove(key, outcome);
            release(client);
            return null;
        }
        return outcome;
    }

    private static void release(String client) {
        PENDING_BY_CLIENT.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
    }

    /** About how long until the pool has room again: a full queue's worth of checks, in whole seconds. */
    public static long retryAfterSeconds() {
        long nanos = (QUEUE + THREADS) * lastCheckNanos / THREADS;
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    /** How many bcrypt checks have run (tests: a cached answer runs none). */
    static int hashed() {
        return HASHED.get();
    }
}
