package io.turnpike.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What a consumer owes for one billing period: one line per route for the units within the quota
 * (or all units, without a quota) and one per route for the overage units, if any.
 *
 * @param periodStart inclusive: the 1st of the month, or the plan's resetDay for a monthly quota
 * @param periodEnd   exclusive
 * @param currency    null when the plan has no price (every amount is then zero)
 * @param total       the sum of the lines' amounts
 */
public record Invoice(String consumer, String plan, String month, Instant periodStart, Instant periodEnd,
                      String currency, List<Item> items, BigDecimal total) {
    /**
     * @param kind      {@code usage} or {@code overage}
     * @param calls     calls billed on the route (on the usage line; 0 on the overage line)
     * @param unitPrice as configured, unrounded
     * @param amount    {@code units x unitPrice}, rounded half-up to the currency's minor unit
     */
    public record Item(String route, String kind, long calls, long units, BigDecimal unitPrice, BigDecimal amount) {}
}
