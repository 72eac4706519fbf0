package io.turnpike.metering;

import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.PlanSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.Policy;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every consumer's quota count, kept outside the config snapshots so a reload does not reset it,
 * and seeded from the ledger at start so a restart does not either. The meter adds units as calls
 * are billed; the {@link QuotaPolicy} of each route reads them.
 */
public final class Quotas {
    private final Clock clock;
    private final ConcurrentHashMap<String, QuotaCounter> counters = new ConcurrentHashMap<>();

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

    /** Units a consumer used in the period that includes now (0 when it has none counted). */
    public long used(String consumer, PlanSpec.Quota quota) {
        QuotaCounter c = counters.get(consumer);
        return c == null ? 0 : c.used(QuotaPeriod.of(quota, clock.millis()).start());
    }

    /**
     * The quota step of a route's chain, or null when no consumer who may call it has a quota
     * (anonymous routes, plans without one).
     */
    public Policy policy(RouteSpec route, GatewayConfig config) {
        if (route.auth().isEmpty()) return null;
        Limited l = limited; // computed once per snapshot, not once per route
        if (l.config != config) limited = l = new Limited(config, limitedPlans(config));
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
