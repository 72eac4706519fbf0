package io.turnpike.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.turnpike.config.IntrospectionSettings;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * OAuth2 token introspection (RFC 7662): an opaque bearer token is POSTed to the authorization
 * server's endpoint (off the event loop, with the JDK's async HTTP client) and its answer decides.
 * Answers are cached by token: an active one until the token's {@code exp} and at most
 * {@code cacheTtl}; an inactive one for a few seconds, so a client retrying a revoked token does
 * not hammer the server. Concurrent requests with one token share one call. A call that fails
 * (timeout, connection refused, a non-200 answer) is not cached, and the request gets a 503.
 * One introspector per settings, shared across reloads so the cache survives them.
 */
public final class Introspector {
    /** An introspection answer: whether the token is active, the client it was issued to, its claims. */
    public record TokenInfo(boolean active, String clientId, Map<String, Object> claims, long expEpochSeconds) {
        static final TokenInfo INACTIVE = new TokenInfo(false, null, Map.of(), 0);
    }

    static final Duration INACTIVE_TTL = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<IntrospectionSettings, Introspector> BY_SETTINGS = new ConcurrentHashMap<>();
    private static final Executor HTTP_THREADS = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "turnpike-introspection");
        t.setDaemon(true);
        return t;
    });
    private static final HttpClient HTTP = HttpClient.newBuilder().executor(HTTP_THREADS)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final IntrospectionSettings settings;
    private final String authorization;
    private final Cache<String, TokenInfo> answers;
    private final Map<String, CompletableFuture<TokenInfo>> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();

    private Introspector(IntrospectionSettings settings) {
        this.settings = settings;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((form(settings.clientId()) + ":"
                + form(settings.clientSecret())).getBytes(StandardCharsets.UTF_8));
        this.answers = Caffeine.newBuilder().maximumSize(10_000).expireAfter(new Lifetime(settings.cacheTtl()))
                .build();
    }

    public static Introspector of(IntrospectionSettings settings) {
        return BY_SETTINGS.computeIfAbsent(settings, Introspector::new);
    }

    /** The cached answer for a token, or null when it must be asked for (or the call is still out). */
    public TokenInfo cached(String token) {
        return answers.getIfPresent(token);
    }

    /**
     * The answer for a token, asking the server when none is cached (one call for every request
     * with that token meanwhile); completes on an HTTP client thread. A failed call is not kept.
     */
    public CompletableFuture<TokenInfo> introspect(String token) {
        TokenInfo known = answers.getIfPresent(token);
        if (known != null) return CompletableFuture.completedFuture(known);
        CompletableFuture<TokenInfo> mine = new CompletableFuture<>();
        CompletableFuture<TokenInfo> theirs = inFlight.putIfAbsent(token, mine);
        if (theirs != null) return theirs;
        CompletableFuture<TokenInfo> call;
        try {
            call = call(token);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((answer, failure) -> {
            if (answer != null) answers.put(token, answer);
            inFlight.remove(token, mine);
            if (failure != null) {
                mine.completeExceptionally(failure);
            } else {
                mine.complete(answer);
            }
        });
        return mine;
    }

    private CompletableFuture<TokenInfo> call(String token) {
        calls.incrementAndGet();
        HttpRequest req = HttpRequest.newBuilder(URI.create(settings.endpoint()))
                .timeout(settings.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString("token=" + form(token) + "&token_type_hint=access_token"))
                .build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("introspection answered " + r.statusCode());
            }
            return parse(r.body());
        });
    }

    static TokenInfo parse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.path("active").asBoolean(false)) return TokenInfo.INACTIVE;
            long exp = n.path("exp").asLong(0);
            if (exp != 0 && exp * 1000 <= System.currentTimeMillis()) return TokenInfo.INACTIVE;
            @SuppressWarnings("unchecked")
            Map<String, Object> claims = JSON.convertValue(n, Map.class);
            String client = n.hasNonNull("client_id") ? n.get("client_id").asText() : null;
            return new TokenInfo(true, client, Map.copyOf(claims.entrySet().stream()
                    .filter(e -> e.getValue() != null)
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))), exp);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("introspection answered something that is not JSON", e);
        }
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** How many calls went to the server (tests). */
    int calls() {
        return calls.get();
    }

    /** Active answers live until the token's exp and at most cacheTtl; inactive ones briefly. */
    private record Lifetime(Duration cacheTtl) implements Expiry<String, TokenInfo> {
        @Override
        public long expireAfterCreate(String token, TokenInfo a, long currentTime) {
            long max = cacheTtl.toNanos();
            if (!a.active()) return Math.min(max, INACTIVE_TTL.toNanos());
            if (a.expEpochSeconds() == 0) return max;
            long left = (a.expEpochSeconds() * 1000 - System.currentTimeMillis()) * 1_000_000L;
            return Math.max(0, Math.min(left, max));
        }

        @Override
        public long expireAfterUpdate(String token, TokenInfo a, long currentTime, long currentDuration) {
            return expireAfterCreate(token, a, currentTime);
        }

        @Override
        public long expireAfterRead(String token, TokenInfo a, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
