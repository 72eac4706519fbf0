package io.turnpike.ratelimit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.turnpike.config.ClusterSettings;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.PlanSpec;
import io.turnpike.config.RateLimitSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.LoopClock;
import io.turnpike.core.Policy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limiting of one gateway, for its whole life: the in-process counts, the Redis link
 * (when {@code cluster.redis} is set) and the counters behind the metrics. Config snapshots come
 * and go; this stays, so a reload that keeps a limit keeps its counts. {@link #configure} follows
 * the config's {@code cluster:} and key bound; {@link #policy} builds a route's step.
 */
public final class RateLimiting implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RateLimiting.class);

    final RateLimitStats stats = new RateLimitStats();
    private final LocalStore store;
    private final Limiter local;
    private final Set<MeterRegistry> boundTo = Collections.newSetFromMap(new WeakHashMap<>());
    private volatile Limiter limiter;
    private ClusterSettings cluster = ClusterSettings.NONE;
    private RedisLink link;
    private final io.netty.channel.EventLoopGroup loops;

    public RateLimiting(int maxKeys) {
        this(maxKeys, LoopClock::systemNanoTime, null);
    }

    RateLimiting(int maxKeys, LongSupplier ticker, io.netty.channel.EventLoopGroup loops) {
        this.loops = loops;
        this.store = new LocalStore(maxKeys, ticker);
        this.local = store::decide;
        this.limiter = local;
    }

    /** The gateway's rate limiting for a first config, with Redis I/O on threads of its own. */
    public static RateLimiting start(GatewayConfig config) {
        return start(config, null);
    }

    /**
     * The gateway's rate limiting for a first config.
     *
     * @param loops the gateway's event loops when they are epoll (Redis I/O then runs on them, so a
     *              call resumes without a thread hop), or null for Redis threads of its own
     */
    public static RateLimiting start(GatewayConfig config, io.netty.channel.EventLoopGroup loops) {
        RateLimiting r = new RateLimiting(config.server().limits().rateLimitKeys(), LoopClock::systemNanoTime, loops);
        r.configure(config);
        return r;
    }

    /** Follows a (new) config: the key bound, and the Redis link and mode when {@code cluster:} changed. */
    public synchronized void configure(GatewayConfig config) {
        int maxKeys = config.server().limits().rateLimitKeys();
        store.maxKeys(maxKeys);
        ClusterSettings next = config.cluster();
        if (next.equals(cluster)) return;
        RedisLink old = link;
        cluster = next;
        if (!next.enabled()) {
            link = null;
            limiter = local;
            log.info("rate limits are kept in process");
        } else {
            link = new RedisLink(next.redis(), next.redisTimeout(), loops, this::redisChanged);
            Fallback fallback = new Fallback(store, stats, next.onRedisDown() == ClusterSettings.OnRedisDown.CLOSED);
            limiter = next.rateLimitMode() == ClusterSettings.RateLimitMode.LEASE
                    ? new LeaseLimiter(link, fallback, stats, store, next.expectedNodes(), maxKeys)
                    : new ExactLimiter(link, fallback, stats);
            log.info("rate limits are shared through Redis at {} ({} mode; while it is down: {})", link.where(),
                    next.rateLimitMode().name().toLowerCase(java.util.Locale.ROOT), downBehaviour(next));
        }
        if (old != null) old.close();
    }

    private static String downBehaviour(ClusterSettings c) {
        return c.onRedisDown() == ClusterSettings.OnRedisDown.CLOSED ? "limited calls are refused with 503"
                : c.expectedNodes() > 1 ? "each node allows limit/" + c.expectedNodes() : "each node allows the full limit";
    }

    private void redisChanged() {
        RedisLink l = link;
        if (l != null && !l.up()) stats.redisDowns.increment();
    }

    Limiter limiter() {
        return limiter;
    }

    /**
     * The Redis connection when {@code cluster.redis} is set, else null: lent to plan quotas so the
     * gateway keeps one connection to Redis. A reload that changes {@code cluster:} replaces it.
     */
    public synchronized io.turnpike.core.SharedRedis redis() {
        return link;
    }

    /**
     * The route's rate-limit step: its own limits, and for consumers with a plan the plan's limits
     * too. Null when no limit can apply (no route limits, and no plan with limits or no auth).
     */
    public Policy policy(RouteSpec route, GatewayConfig config) {
        int nodes = config.cluster().enabled() ? config.cluster().expectedNodes() : 1;
        int v6 = config.server().limits().rateLimitIpv6Prefix();
        List<Limit> own = new ArrayList<>();
        for (RateLimitSpec s : route.rateLimits()) own.add(Limit.of("route:" + route.id(), s, nodes, v6));
        Map<String, Limit[]> byPlan = new HashMap<>();
        if (!route.auth().isEmpty()) {
            for (PlanSpec plan : config.plans().values()) {
                if (plan.rateLimits().isEmpty()) continue;
                List<Limit> all = new ArrayList<>(own);
                for (RateLimitSpec s : plan.rateLimits()) all.add(Limit.of("plan:" + plan.id(), s, nodes, v6));
                byPlan.put(plan.id(), all.toArray(Limit[]::new));
            }
        }
        if (own.isEmpty() && byPlan.isEmpty()) return null;
        return new RateLimitPolicy(this, own.toArray(Limit[]::new), byPlan);
    }

    /**
     * For {@code /ready}: whether limits are decided as configured. Ready unless Redis is down
     * with {@code onRedisDown: closed} (then limited routes refuse every call).
     */
    public record Status(boolean ready, String detail) {}

    public Status status() {
        ClusterSettings c = cluster;
        RedisLink l = link;
        if (l == null) return new Status(true, "in process");
        String mode = c.rateLimitMode().name().toLowerCase(java.util.Locale.ROOT);
        if (l.up()) return new Status(true, "shared through Redis at " + l.where() + " (" + mode + ")");
        boolean closed = c.onRedisDown() == ClusterSettings.OnRedisDown.CLOSED;
        return new Status(!closed, "Redis at " + l.where() + " unreachable: " + downBehaviour(c));
    }

    /**
     * Registers the rate-limit meters once per registry: decisions by result, fallback decisions,
     * Redis calls, whether Redis is up, and the keys held in process.
     */
    public synchronized void bindTo(MeterRegistry registry) {
        if (!boundTo.add(registry)) return;
        decisions(registry, "allowed", stats.allowed);
        decisions(registry, "limited", stats.limited);
        decisions(registry, "closed", stats.closed);
        FunctionCounter.builder("turnpike.ratelimit.fallback.decisions", stats.fallback, a -> a.sum())
                .description("Rate-limit decisions made on per-node limits because Redis was unreachable")
                .register(registry);
        FunctionCounter.builder("turnpike.ratelimit.redis.calls", stats.redisCalls, a -> a.sum())
                .description("Rate-limit scripts run in Redis (one per batch of calls in exact mode, one per lease in lease mode)")
                .register(registry);
        FunctionCounter.builder("turnpike.ratelimit.redis.outages", stats.redisDowns, a -> a.sum())
                .description("Times Redis became unreachable").register(registry);
        Gauge.builder("turnpike.ratelimit.redis.up", this, r -> r.redisUp())
                .description("1 when rate limits are shared through Redis and it answers, 0 when it does not, "
                        + "-1 when no Redis is configured").register(registry);
        Gauge.builder("turnpike.ratelimit.keys", store, LocalStore::size)
                .description("Rate-limit keys held in process (server.limits.rateLimitKeys bounds them)")
                .register(registry);
    }

    private static void decisions(MeterRegistry registry, String result, java.util.concurrent.atomic.LongAdder a) {
        FunctionCounter.builder("turnpike.ratelimit.decisions", a, x -> x.sum())
                .description("Calls decided by rate limits, by result").tag("result", result).register(registry);
    }

    private double redisUp() {
        RedisLink l = link;
        return l == null ? -1 : l.up() ? 1 : 0;
    }

    LocalStore store() {
        return store;
    }

    @Override
    public synchronized void close() {
        if (link != null) link.close();
        link = null;
        limiter = local;
    }
}
