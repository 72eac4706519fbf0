package io.turnpike.metering;

import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.PlanSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.SnapshotView;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts every billable exchange once, on the event loop that ended it: the consumer's quota count
 * moves at once (a compare-and-set), and one small record goes onto a lock-free queue that the
 * {@link LedgerWriter} drains and aggregates per (consumer, route, status class, minute). Nothing
 * here blocks or takes a lock.
 */
public final class Meter implements ExchangeObserver {
    /** One billed call. */
    record Call(String consumer, String route, int statusClass, long minute, long units, long overageUnits) {}

    /** What the current snapshot says about costs and plans, looked up per call. */
    private record Tables(GatewayConfig config, Map<String, Long> routeCost, Map<String, PlanSpec> plans,
                          Set<String> consumers) {
        static Tables of(GatewayConfig config) {
            Map<String, PlanSpec> plans = new HashMap<>();
            Set<String> consumers = new HashSet<>();
            for (ConsumerSpec c : config.consumers()) {
                consumers.add(c.id());
                PlanSpec p = c.plan() == null ? null : config.plans().get(c.plan());
                if (p != null) plans.put(c.id(), p);
            }
            return new Tables(config, costs(config), Map.copyOf(plans), Set.copyOf(consumers));
        }

        Tables withCosts(GatewayConfig next) {
            return new Tables(next, costs(next), plans, consumers);
        }

        private static Map<String, Long> costs(GatewayConfig config) {
            Map<String, Long> cost = new HashMap<>();
            for (RouteSpec r : config.routes()) cost.put(r.id(), Math.max(0, r.cost()));
            return Map.copyOf(cost);
        }
    }

    private final Quotas quotas;
    private final Queue<Call> queue = new ConcurrentLinkedQueue<>();
    private final LongAdder billed = new LongAdder();
    private volatile Tables tables;

    Meter(Quotas quotas, GatewayConfig config) {
        this.quotas = quotas;
        this.tables = Tables.of(config);
    }

    @Override
    public void onEnd(ExchangeView x) {
        String consumer = x.consumerId();
        if (consumer == null) return;
        Tables t = tables;
        PlanSpec plan = t.plans.get(consumer);
        QuotaPolicy.Reservation held = x.attr(QuotaPolicy.RESERVED);
        long reserved = held == null ? 0 : held.units();
        if (!BillingRule.billable(x, plan == null ? PlanSpec.BillOn.REACHED : plan.billOn())) {
            // Not billed: give back what the quota check held for it.
            if (reserved > 0) held.settle(consumer, 0);
            return;
        }
        Long cost = t.routeCost.get(x.routeId());
        long units = cost == null ? 1 : cost;
        long now = quotas.clock().millis();
        long overage = 0;
        if (reserved > 0) {
            // Counted when the quota check let it in (within the quota, so no overage); a reload that
            // changed the route's cost meanwhile is settled here.
            held.settle(consumer, units);
        } else if (plan != null && plan.quota() != null) {
            QuotaPeriod period = QuotaPeriod.of(plan.quota(), now);
            long after = quotas.counter(consumer).add(period.start(), units);
            overage = Math.max(0, Math.min(units, after - plan.quota().units()));
        }
        queue.offer(new Call(consumer, x.routeId(), BillingRule.statusClass(x.status()), now / 60_000, units, overage));
        billed.increment();
    }

    @Override
    public void onSnapshot(SnapshotView snapshot) {
        GatewayConfig next = snapshot.config();
        Tables t = tables;
        // Unchanged consumers and plans (a route change): only the costs are read again.
        tables = ConsumerSpec.same(t.config().consumers(), next.consumers()) && t.config().plans().equals(next.plans())
                ? t.withCosts(next) : Tables.of(next);
    }

    /** Takes the next billed call off the queue; null when none is waiting. Writer thread only. */
    Call poll() {
        return queue.poll();
    }

    /** The config of the snapshot serving now. */
    GatewayConfig config() {
        return tables.config;
    }

    /** A consumer's plan in the running config; null when it has none or is unknown. */
    PlanSpec plan(String consumer) {
        return tables.plans.get(consumer);
    }

    /** Whether the running config has this consumer. */
    boolean knows(String consumer) {
        return tables.consumers.contains(consumer);
    }

    /** Calls billed since start (metered, not necessarily flushed yet). */
    public long billedCalls() {
        return billed.sum();
    }
}
