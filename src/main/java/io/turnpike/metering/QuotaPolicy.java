package io.turnpike.metering;

import io.turnpike.config.PlanSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import java.time.Instant;
import java.util.Map;

/**
 * Refuses a consumer whose plan's quota for the current period is used up: 429 quota-exceeded with
 * {@code Retry-After} (seconds to the reset) and {@code Quota-Reset} (the reset instant). A call is
 * let in while its units still fit ({@code used + cost <= quota}); under {@code overage: bill} it is
 * always let in and the units past the quota are billed at the overage price. Built per route and
 * snapshot; the counts live in {@link Quotas}.
 */
final class QuotaPolicy implements Policy {
    static final String QUOTA_RESET = "Quota-Reset";

    private final Quotas quotas;
    private final Map<String, PlanSpec> plans;
    private final long cost;

    QuotaPolicy(Quotas quotas, Map<String, PlanSpec> plans, long cost) {
        this.quotas = quotas;
        this.plans = plans;
        this.cost = cost;
    }

    /** Units a quota check took for this call from the consumer's period starting at {@code periodStart}, and where. */
    record Reservation(long periodStart, long units, QuotaHold hold) {
        /** Keeps {@code billed} units of this reservation (0: gives it back). */
        void settle(String consumer, long billed) {
            hold.settle(consumer, this, billed);
        }
    }

    /** Where the reservation is left for the {@link Meter}, which keeps it if the call is billed and gives it back if not. */
    static final io.turnpike.core.AttrKey<Reservation> RESERVED = io.turnpike.core.AttrKey.of("quota.reserved");

    @Override
    public Verdict check(PolicyCall call) {
        if (call.consumer() == null) return Verdict.PASS;
        PlanSpec plan = plans.get(call.consumer().id());
        if (plan == null || plan.overage() == PlanSpec.Overage.BILL) return Verdict.PASS;
        PlanSpec.Quota quota = plan.quota();
        long now = quotas.clock().millis();
        QuotaPeriod period = QuotaPeriod.of(quota, now);
        FleetQuotas fleet = quotas.fleet();
        if (fleet != null) return fleet.check(call, plan, period, now, cost);
        QuotaCounter counter = quotas.counter(call.consumer().id());
        if (counter.tryReserve(period.start(), cost, quota.units())) {
            // the meter keeps it if the call is billed, else gives it back
            call.attr(RESERVED, new Reservation(period.start(), cost, quotas.local));
            return Verdict.PASS;
        }
        return refuse(call, plan, period, now, counter.used(period.start()), cost, "");
    }

    /** The 429 of a call that does not fit: {@code used} units counted, {@code note} said after the numbers. */
    static Verdict refuse(PolicyCall call, PlanSpec plan, QuotaPeriod period, long now, long used, long cost, String note) {
        PlanSpec.Quota quota = plan.quota();
        long seconds = Math.max(1, (period.end() - now + 999) / 1000);
        String reset = Instant.ofEpochMilli(period.end()).toString();
        call.responseHeaders().set("Retry-After", Long.toString(seconds));
        call.responseHeaders().set(QUOTA_RESET, reset);
        return Verdict.answer(Problems.Kind.QUOTA_EXCEEDED, "the quota of plan " + plan.id() + " ("
                + quota.units() + " units per " + quota.period().name().toLowerCase(java.util.Locale.ROOT)
                + ") is used up: " + used + " used, this call costs " + cost + note + "; it resets at " + reset);
    }
}
