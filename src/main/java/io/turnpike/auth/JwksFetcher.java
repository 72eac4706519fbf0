package io.turnpike.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An issuer's JWK set fetched from its JWKS URL on a thread of its own, never on an event loop:
 * at once, then every {@code refresh}, and soon after a token names a key id the set does not
 * have (at most once per {@link #MIN_UNKNOWN_KID_GAP_NANOS}). Verification reads the last good set;
 * when the URL is down, that set keeps serving. A request whose token names a brand-new key id
 * waits for the refresh it triggered ({@link #refreshForUnknownKid}) instead of being refused.
 */
public final class JwksFetcher implements JWKSource<SecurityContext> {
    private static final Logger log = LoggerFactory.getLogger(JwksFetcher.class);
    private static final long MIN_UNKNOWN_KID_GAP_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Map<String, JwksFetcher> BY_URL = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "turnpike-jwks");
        t.setDaemon(true);
        return t;
    });
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String url;
    private volatile JWKSet keys = new JWKSet();
    private final AtomicLong lastUnknownKidFetch = new AtomicLong(System.nanoTime() - MIN_UNKNOWN_KID_GAP_NANOS);
    private final AtomicBoolean fetching = new AtomicBoolean();
    /** The refresh a token with an unknown key id waits for; null when none is pending. */
    private final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Void>> pending =
            new java.util.concurrent.atomic.AtomicReference<>();

    private JwksFetcher(String url, Duration refresh) {
        this.url = url;
        fetch(); // the first set before the first token, when the URL answers
        SCHEDULER.scheduleWithFixedDelay(this::fetch, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The fetcher of a URL, shared across reloads so its keys and schedule survive them. */
    public static JwksFetcher of(String url, Duration refresh) {
        return BY_URL.computeIfAbsent(url, u -> new JwksFetcher(u, refresh));
    }

    private void fetch() {
        if (!fetching.compareAndSet(false, true)) return;
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException("status " + r.statusCode());
            JWKSet set = JWKSet.parse(r.body());
            keys = set.toPublicJWKSet().getKeys().size() == set.getKeys().size() ? set : set.toPublicJWKSet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("JWKS {} could not be fetched ({}); the last good key set ({} keys) keeps serving",
                    url, e.toString(), keys.getKeys().size());
        } finally {
            fetching.set(false);
        }
    }

    /** Whether the last good set holds a key with this id. */
    public boolean hasKey(String kid) {
        return keys.getKeyByKeyId(kid) != null;
    }

    /**
     * A refresh a token with an unknown key id can wait for: the one already pending, or a new one
     * when the rate limit allows; null when neither (the token is refused now). Completes when the
     * fetch has landed or failed (never exceptionally).
     */
    public java.util.concurrent.CompletableFuture<Void> refreshForUnknownKid() {
        java.util.concurrent.CompletableFuture<Void> p = pending.get();
        if (p != null) return p;
        long now = System.nanoTime();
        long last = lastUnknownKidFetch.get();
        if (now - last < MIN_UNKNOWN_KID_GAP_NANOS || !lastUnknownKidFetch.compareAndSet(last, now)) return pending.get();
        java.util.concurrent.CompletableFuture<Void> fresh = new java.util.concurrent.CompletableFuture<>();
        if (!pending.compareAndSet(null, fresh)) return pending.get();
        SCHEDULER.execute(() -> {
            try {
                fetch();
            } finally {
                pending.set(null);
                fresh.complete(null);
            }
        });
        return fresh;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
        List<JWK> found = selector.select(keys);
        if (found.isEmpty()) {
            long now = System.nanoTime();
            long last = lastUnknownKidFetch.get();
            if (now - last >= MIN_UNKNOWN_KID_GAP_NANOS && lastUnknownKidFetch.compareAndSet(last, now)) {
                SCHEDULER.execute(this::fetch); // a key rotated in (a token without kid): look again, off this thread
            }
        }
        return found;
    }

    /** Fetches again now, on the calling thread (tests). */
    void refreshNow() {
        fetch();
    }
}
