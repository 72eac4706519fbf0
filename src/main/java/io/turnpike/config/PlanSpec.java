package io.turnpike.config;

import java.math.BigDecimal;
import java.util.List;

/**
 * A plan ({@code plans.<id>}): what a consumer on it may do and what it pays.
 *
 * @param rateLimits limits per consumer (their key is always the consumer)
 * @param quota      units per day or month; null = unlimited
 * @param price      price per billing unit; null = free
 * @param overage    past the quota: refuse with 429 ({@code block}) or serve and bill ({@code bill})
 * @param billOn     which calls count: those that {@code reached} the service, or only {@code success} (2xx/3xx)
 */
public record PlanSpec(String id, List<RateLimitSpec> rateLimits, Quota quota, Price price, Overage overage,
                       BillOn billOn) {
    public PlanSpec {
        rateLimits = List.copyOf(rateLimits);
    }

    public enum Overage { BLOCK, BILL }

    public enum BillOn { REACHED, SUCCESS }

    public enum Period { DAY, MONTH }

    /**
     * @param units    units per period
     * @param resetDay for a monthly quota, the day of the month (1-28) it resets, at 00:00 UTC
     */
    public record Quota(long units, Period period, int resetDay) {}

    /** @param overagePerUnit price of a unit past the quota (when overage is billed); null = perUnit */
    public record Price(BigDecimal perUnit, String currency, BigDecimal overagePerUnit) {}
}
