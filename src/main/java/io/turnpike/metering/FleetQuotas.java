package io.turnpike.metering;

import io.netty.util.concurrent.EventExecutor;
import io.turnpike.config.ClusterSettings;
import io.turnpike.config.PlanSpec;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.SharedRedis;
import io.turnpike.core.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plan quotas counted by the whole fleet ({@code cluster.redis}): one script per decision holds a
 * call's units in the consumer's counter for the plan period, if they fit, and the meter settles
 * the hold when the call ends (kept if billed, given back if not), exactly as the per-node count
 * does. A period's counter is created from the ledger's units for it, never over another node's.
 * While Redis is unreachable each node decides alone on its share of what remained ({@link
 * FleetShare}), or refuses ({@code onRedisDown: closed}). Replaced when {@code cluster:} changes.
 */
final class FleetQuotas {
    private static final SharedRedis.Script RESERVE = SharedRedis.Script.load(FleetQuotas.class, "quota_reserve.lua");
    private static final SharedRedis.Script SETTLE = SharedRedis.Script.load(FleetQuotas.class, "quota_settle.lua");
    /** A counter outlives its period by this much, so calls in flight at the turn still settle in it. */
    static final long GRACE_MILLIS = 3_600_000;

    final SharedRedis redis;
    final ClusterSettings cluster;
    private final Quotas quotas;
    /** Ledger reads under way, one per counter Redis does not have, however many calls wait on it. */
    private final ConcurrentHashMap<String, CompletableFuture<Long>> seeding = new ConcurrentHashMap<>();
    private final QuotaHold inShare;

    FleetQuotas(Quotas quotas, SharedRedis redis, ClusterSettings cluster) {
        this.quotas = quotas;
        this.redis = redis;
        this.cluster = cluster;
        this.inShare = (consumer, held, billed) -> {
            quotas.share(consumer).give(held.periodStart(), held.units() - billed);
            quotas.counter(consumer).add(held.periodStart(), billed);
        };
    }

    /** The counter of a consumer's plan period: {@code turnpike:quota:<plan>:<period start>:<consumer>}. */
    static String key(String plan, long periodStart, String consumer) {
        return "turnpike:quota:" + plan + ":" + Instant.ofEpochMilli(periodStart) + ":" + consumer;
    }

    /** Holds {@code cost} units for the call in the fleet's count, or refuses it; decided on the call's loop. */
    Verdict check(PolicyCall call, PlanSpec plan, QuotaPeriod period, long now, long cost) {
        if (!redis.up()) return fallback(call, plan, period, now, cost);
        String consumer = call.consumer().id();
        String key = key(plan.id(), period.start(), consumer);
        EventExecutor loop = call.executor();
        CompletableFuture<Verdict> v = new CompletableFuture<>();
        reserve(key, consumer, plan.quota().units(), period, now, cost).whenComplete((r, e) -> {
            if (loop.inEventLoop()) {
                v.complete(decide(call, plan, period, now, cost, key, r, e));
            } else {
                loop.execute(() -> v.complete(decide(call, plan, period, now, cost, key, r, e)));
            }
        });
        return Verdict.later(v);
    }

    private CompletionStage<List<Object>> reserve(String key, String consumer, long limit, QuotaPeriod period, long now,
                                                  long cost) {
        FleetShare share = quotas.share(consumer);
        long owed = share.claimOwed(period.start()); // what this node let through while Redis was down
        String[] keys = {key};
        String c = Long.toString(cost);
        String l = Long.toString(limit);
        String ttl = Long.toString(Math.max(1, period.end() - now) + GRACE_MILLIS);
        return redis.run(RESERVE, keys, c, l, ttl, Long.toString(owed), "").thenCompose(r -> {
            if (number(r.get(0)) != -1) return CompletableFuture.completedFuture(r);
            // No counter yet: create it from the ledger (which has what this node owed, so that is dropped).
            return seed(key, consumer, period.start())
                    .thenCompose(units -> redis.run(RESERVE, keys, c, l, ttl, "0", Long.toString(units)));
        }).whenComplete((r, e) -> {
            if (e != null && owed != 0) share.give(period.start(), -owed); // still owed
        });
    }

    private CompletableFuture<Long> seed(String key, String consumer, long periodStart) {
        CompletableFuture<Long> f = seeding.computeIfAbsent(key, k -> quotas.ledgerUnits(consumer, periodStart));
        f.whenComplete((u, e) -> seeding.remove(key, f));
        return f;
    }

    private Verdict decide(PolicyCall call, PlanSpec plan, QuotaPeriod period, long now, long cost, String key,
                           List<Object> r, Throwable e) {
        if (e != null) return fallback(call, plan, period, now, cost); // the link now counts Redis as down
        quotas.fleetAgain(this);
        quotas.sharedDecisions.increment();
        long used = number(r.get(1)) + number(r.get(2)); // held units count: their calls are in flight
        quotas.share(call.consumer().id()).seen(period.start(), used);
        if (number(r.get(0)) == 1) {
            call.attr(QuotaPolicy.RESERVED, new QuotaPolicy.Reservation(period.start(), cost, new Held(key)));
            return Verdict.PASS;
        }
        return QuotaPolicy.refuse(call, plan, period, now, used, cost, "");
    }

    private Verdict fallback(PolicyCall call, PlanSpec plan, QuotaPeriod period, long now, long cost) {
        quotas.fallingBack(this);
        if (closed()) {
            quotas.closedDecisions.increment();
            call.responseHeaders().set("Retry-After", "1");
            return Verdict.answer(Problems.Kind.CHECK_UNAVAILABLE,
                    "plan quotas cannot be checked while Redis is unreachable (cluster.onRedisDown: closed)");
        }
        quotas.fallbackDecisions.increment();
        String consumer = call.consumer().id();
        FleetShare share = quotas.share(consumer);
        long base = quotas.counter(consumer).used(period.start());
        if (share.tryTake(period.start(), cost, plan.quota().units(), cluster.expectedNodes(), base)) {
            call.attr(QuotaPolicy.RESERVED, new QuotaPolicy.Reservation(period.start(), cost, inShare));
            return Verdict.PASS;
        }
        return QuotaPolicy.refuse(call, plan, period, now, share.count(period.start(), base), cost,
                cluster.expectedNodes() > 1 ? " (while Redis is unreachable this gateway allows 1/"
                        + cluster.expectedNodes() + " of what remained)" : "");
    }

    boolean closed() {
        return cluster.onRedisDown() == ClusterSettings.OnRedisDown.CLOSED;
    }

    /** For logs and {@code /ready}: what a node does while Redis is unreachable. */
    String downBehaviour() {
        return closed() ? "calls of consumers with a quota are refused with 503 (cluster.onRedisDown: closed)"
                : cluster.expectedNodes() > 1 ? "each gateway allows 1/" + cluster.expectedNodes()
                        + " of what remained of each quota, counted in process"
                : "this gateway allows what remained of each quota, counted in process";
    }

    /** A hold in the fleet's counter. */
    private final class Held implements QuotaHold {
        private final String key;

        Held(String key) {
            this.key = key;
        }

        @Override
        public void settle(String consumer, QuotaPolicy.Reservation held, long billed) {
            quotas.counter(consumer).add(held.periodStart(), billed); // this node's own calls, as without Redis
            redis.run(SETTLE, new String[] {key}, Long.toString(held.units()), Long.toString(billed))
                    .whenComplete((r, e) -> {
                        // Redis down: the hold stays in its counter. Billed, it counts there as held; given
                        // back, this node owes the counter the units back (taken at the next answer).
                        if (e != null && billed < held.units()) {
                            quotas.share(consumer).give(held.periodStart(), held.units() - billed);
                        }
                    });
        }
    }

    static long number(Object o) {
        return o instanceof Long l ? l : Long.parseLong(o.toString());
    }
}
