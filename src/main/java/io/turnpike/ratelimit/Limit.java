package io.turnpike.ratelimit;

import io.netty.util.AsciiString;
import io.turnpike.core.Consumer;
import io.turnpike.config.RateLimitSpec;
import io.turnpike.config.RateLimitSpec.KeyPart;
import io.turnpike.core.PolicyCall;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * One rate limit compiled for serving: its GCRA numbers, how a call's key is read, and the
 * {@code RateLimit-Policy} item it shows. Its {@link #id} is the same for the same limit in the
 * same place (route or plan), so a reload that keeps a limit keeps its counts.
 */
final class Limit {
    /** Key values longer than this are replaced by their SHA-256, so a huge header cannot make a huge key. */
    static final int MAX_VALUE_CHARS = 128;
    private static final char SEPARATOR = '\u001f';

    final String id;
    final RateLimitSpec spec;
    final Gcra gcra;
    /** This limit's share on one of {@code expectedNodes} gateways while Redis is down (itself when 1). */
    final Limit fallback;
    /** The {@code RateLimit-Policy} item: {@code 100;w=60}, with {@code ;burst=B} when burst is not the limit. */
    final String policy;
    /** {@code RateLimit-Limit}'s value. */
    final AsciiString limitText;
    /** The emission interval in microseconds and the burst, as the Redis scripts read them. */
    final String redisInterval;
    final String redisBurst;
    /** The Redis key prefix of this limit. */
    final String redisPrefix;
    private final KeyPart[] parts;
    /** IPv6 clients share an {@code ip} key per prefix of this length ({@link IpKey}). */
    private final int ipv6Prefix;

    private Limit(String id, RateLimitSpec spec, long limit, long burst, Limit fallback, int ipv6Prefix) {
        this.id = id;
        this.ipv6Prefix = ipv6Prefix;
        this.spec = spec;
        this.gcra = new Gcra(spec.period().toNanos() / limit, burst);
        this.fallback = fallback == null ? this : fallback;
        long seconds = spec.period().toSeconds();
        this.policy = limit + ";w=" + seconds + (burst != limit ? ";burst=" + burst : "");
        this.redisPrefix = "tp:rl:" + id + ":";
        this.limitText = new AsciiString(Long.toString(limit));
        this.redisInterval = ExactLimiter.micros(gcra.interval);
        this.redisBurst = Long.toString(gcra.burst);
        this.parts = spec.key().toArray(KeyPart[]::new);
    }

    /**
     * @param scope         {@code route:ID} or {@code plan:ID}: where the limit is written
     * @param expectedNodes gateways sharing the limit (for the per-node fallback)
     * @param ipv6Prefix    {@code server.limits.rateLimitIpv6Prefix}
     */
    static Limit of(String scope, RateLimitSpec spec, int expectedNodes, int ipv6Prefix) {
        String id = scope + "|" + spec.rate() + ";b=" + spec.burst() + ";k=" + keyText(spec.key());
        Limit share = null;
        if (expectedNodes > 1) {
            long limit = Math.max(1, spec.limit() / expectedNodes);
            long burst = Math.max(1, spec.burst() / expectedNodes);
            share = new Limit(id + "|1/" + expectedNodes, spec, limit, burst, null, ipv6Prefix);
        }
        return new Limit(id, spec, spec.limit(), spec.burst(), share, ipv6Prefix);
    }

    private static String keyText(List<KeyPart> key) {
        StringBuilder b = new StringBuilder();
        for (KeyPart p : key) b.append(b.isEmpty() ? "" : "+").append(p);
        return b.toString();
    }

    /** The key the call counts against: the values of the limit's key parts. */
    String key(PolicyCall call) {
        if (parts.length == 1) return value(parts[0], call);
        StringBuilder b = new StringBuilder(64);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) b.append(SEPARATOR);
            b.append(value(parts[i], call));
        }
        return b.toString();
    }

    private String value(KeyPart part, PolicyCall call) {
        return switch (part.kind()) {
            case IP -> IpKey.of(call.clientAddress(), call.clientIp(), ipv6Prefix);
            case ROUTE -> call.route().id();
            // An anonymous call has no consumer: it counts against its address instead.
            case CONSUMER -> {
                Consumer c = call.consumer();
                yield c != null ? c.id() : "ip:" + IpKey.of(call.clientAddress(), call.clientIp(), ipv6Prefix);
            }
            case HEADER -> bounded(call.headers().get(part.name()));
            case CLAIM -> {
                Object v = call.claims().get(part.name());
                yield v == null ? "" : bounded(v.toString());
            }
        };
    }

    private static String bounded(String v) {
        if (v == null) return "";
        if (v.length() <= MAX_VALUE_CHARS) return v;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(v.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
