package io.turnpike.metering;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.turnpike.config.ClusterSettings;
import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.PlanSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.SharedRedis;
import java.time.Clock;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every consumer's quota count, kept outside the config snapshots so a reload does not reset it,
 * and seeded from the ledger at start so a restart does not either. The meter adds units as calls
 * are billed; the {@link QuotaPolicy} of each route reads them. With {@code cluster.redis} the
 * fleet's count decides ({@link FleetQuotas}); these counts then hold this node's own calls.
 */
public final class Quotas {
    private static final Logger log = LoggerFactory.getLogger(Quotas.class);

    private final Clock clock;
    private final ConcurrentHashMap<String, QuotaCounter> counters = new ConcurrentHashMap<>();
    /** Per consumer, the fleet's count as last known and this node's share while Redis is down. */
    private final ConcurrentHashMap<String, FleetShare> shares = new ConcurrentHashMap<>();
    private volatile FleetQuotas fleet;
    /** The ledger's units of a consumer's period, read off the event loops (none without a ledger). */
    private volatile BiFunction<String, Long, CompletableFuture<Long>> ledger =
            (consumer, periodStart) -> CompletableFuture.completedFuture(0L);
    /** Whether the last decision with Redis configured was made without it (for one log line per change). */
    private final AtomicBoolean fallingBack = new AtomicBoolean();
    final LongAdder sharedDecisions = new LongAdder();
    final LongAdder fallbackDecisions = new LongAdder();
    final LongAdder closedDecisions = new LongAdder();
    private final Set<MeterRegistry> boundTo = Collections.newSetFromMap(new WeakHashMap<>());

    /** What a call held in this node's count: given back unless billed (a reload may have changed the cost). */
    final QuotaHold local = (consumer, held, billed) -> {
        if (billed != held.units()) counter(consumer).add(held.periodStart(), billed - held.units());
    };

    private record Limited(GatewayConfig config, Map<String, PlanSpec> plans) {}

    private volatile Limited limited = new Limited(null, Map.of());

    public Quotas(Clock clock) {
        this.clock = clock;
    }

    public Clock clock() {
        return clock;
    }

    QuotaCounter counter(String consumer) {
        return counters.computeIfAbsent(consumer, c -> new QuotaCounter());
    }

    FleetShare share(String consumer) {
        return shares.computeIfAbsent(consumer, c -> new FleetShare());
    }

    /** The fleet's quota count when {@code cluster.redis} is set, else null. */
    FleetQuotas fleet() {
        return fleet;
    }

    void ledger(BiFunction<String, Long, CompletableFuture<Long>> units) {
        this.ledger = units;
    }

    CompletableFuture<Long> ledgerUnits(String consumer, long periodStart) {
        return ledger.apply(consumer, periodStart);
    }

    /**
     * Follows a (new) config's {@code cluster:}: with Redis, quotas are counted fleet-wide through
     * {@code redis} (the rate limits' connection); without, in process.
     */
    public synchronized void share(SharedRedis redis, ClusterSettings cluster) {
        FleetQuotas f = fleet;
        if (redis == null) {
            if (f != null) log.info("plan quotas are counted per gateway");
            fleet = null;
        } else if (f == null || f.redis != redis || !f.cluster.equals(cluster)) {
            fleet = f = new FleetQuotas(this, redis, cluster);
            fallingBack.set(false);
            log.info("plan quotas are counted fleet-wide in Redis at {} (while it is unreachable: {})", redis.where(),
                    f.downBehaviour());
        }
    }

    /** A decision was made without Redis: says so once per outage. */
    void fallingBack(FleetQuotas f) {
        if (!fallingBack.get() && fallingBack.compareAndSet(false, true)) {
            log.warn("Redis at {} unreachable: plan quotas fall back until it is back: {}", f.redis.where(), f.downBehaviour());
        }
    }

    /** Redis decided again after an outage: says so once. */
    void fleetAgain(FleetQuotas f) {
        if (fallingBack.get() && fallingBack.compareAndSet(true, false)) {
            log.info("Redis at {} reachable: plan quotas are counted fleet-wide again", f.redis.where());
        }
    }

    /**
     * Units a consumer used in the period that includes now (0 when it has none counted): with
     * Redis, the fleet's count as last answered when that is more than this node's own.
     */
    public long used(String consumer, PlanSpec.Quota quota) {
        long start = QuotaPeriod.of(quota, clock.millis()).start();
        QuotaCounter c = counters.get(consumer);
        long own = c == null ? 0 : c.used(start);
        FleetShare s = fleet == null ? null : shares.get(consumer);
        return s == null ? own : Math.max(own, s.known(start));
    }

    /**
     * For {@code /ready}: how quotas are counted now. Ready unless Redis is unreachable under
     * {@code onRedisDown: closed} (then consumers with a quota are refused).
     */
    public record Status(boolean ready, String detail) {}

    public Status status() {
        FleetQuotas f = fleet;
        if (f == null) return new Status(true, "counted per gateway");
        if (f.redis.up()) return new Status(true, "counted fleet-wide in Redis at " + f.redis.where());
        return new Status(!f.closed(), "Redis at " + f.redis.where() + " unreachable: " + f.downBehaviour());
    }

    /** Registers the quota meters once per registry: decisions by where they were made, and whether Redis counts. */
    public synchronized void bindTo(MeterRegistry registry) {
        if (!boundTo.add(registry)) return;
        decisions(registry, "fleet", sharedDecisions);
        decisions(registry, "fallback", fallbackDecisions);
        decisions(registry, "closed", closedDecisions);
        Gauge.builder("turnpike.quota.fleet", this, Quotas::fleetState)
                .description("1 when plan quotas are counted fleet-wide in Redis, 0 while Redis is unreachable and "
                        + "each gateway decides on its share (cluster.onRedisDown), -1 when no Redis is configured")
                .register(registry);
    }

    private static void decisions(MeterRegistry registry, String where, LongAdder a) {
        FunctionCounter.builder("turnpike.quota.decisions", a, LongAdder::sum)
                .description("Quota checks with cluster.redis set, by where they were decided: in Redis, "
                        + "on this gateway's share while Redis was unreachable, or refused (onRedisDown: closed)")
                .tag("where", where).register(registry);
    }

    private double fleetState() {
        FleetQuotas f = fleet;
        return f == null ? -1 : f.redis.up() ? 1 : 0;
    }

    /**
     * The quota step of a route's chain, or null when no consumer who may call it has a quota
     * (anonymous routes, plans without one).
     */
    public Policy policy(RouteSpec route, GatewayConfig config) {
        if (route.auth().isEmpty()) return null;
        Limited l = limited; // computed once per snapshot, not once per route
        if (l.config != config) {
            boolean same = l.config != null && ConsumerSpec.same(l.config.consumers(), config.consumers())
                    && l.config.plans().equals(config.plans());
            limited = l = new Limited(config, same ? l.plans : limitedPlans(config));
        }
        return l.plans.isEmpty() ? null : new QuotaPolicy(this, l.plans, Math.max(0, route.cost()));
    }

    /** Consumers whose plan has a quota, with that plan. */
    static Map<String, PlanSpec> limitedPlans(GatewayConfig config) {
        Map<String, PlanSpec> out = new HashMap<>();
        for (ConsumerSpec c : config.consumers()) {
            PlanSpec plan = c.plan() == null ? null : config.plans().get(c.plan());
            if (plan != null && plan.quota() != null) out.put(c.id(), plan);
        }
        return Map.copyOf(out);
    }
}
