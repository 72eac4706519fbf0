package io.turnpike.metering;

import io.turnpike.config.PlanSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/**
 * Money, in BigDecimal only. An amount is {@code units x unit price} computed exactly, then
 * rounded once, half-up, to the currency's minor unit (2 places for USD and EUR, 0 for JPY; 2 for
 * a code Java does not know). Totals add rounded amounts, so an invoice's lines sum to its total.
 */
final class Pricing {
    private Pricing() {}

    static BigDecimal unitPrice(PlanSpec plan) {
        return plan == null || plan.price() == null ? BigDecimal.ZERO : plan.price().perUnit();
    }

    static BigDecimal overagePrice(PlanSpec plan) {
        if (plan == null || plan.price() == null) return BigDecimal.ZERO;
        return plan.price().overagePerUnit() != null ? plan.price().overagePerUnit() : plan.price().perUnit();
    }

    static String currency(PlanSpec plan) {
        return plan == null || plan.price() == null ? null : plan.price().currency();
    }

    static int minorDigits(String currency) {
        if (currency == null) return 2;
        try {
            int d = Currency.getInstance(currency).getDefaultFractionDigits();
            return d < 0 ? 2 : d;
        } catch (IllegalArgumentException e) {
            return 2;
        }
    }

    static BigDecimal amount(long units, BigDecimal unitPrice, String currency) {
        return BigDecimal.valueOf(units).multiply(unitPrice).setScale(minorDigits(currency), RoundingMode.HALF_UP);
    }

    /** Included units at the unit price plus overage units at the overage price. */
    static BigDecimal cost(UsageCounts c, PlanSpec plan) {
        String cur = currency(plan);
        return amount(c.units() - c.overageUnits(), unitPrice(plan), cur)
                .add(amount(c.overageUnits(), overagePrice(plan), cur));
    }
}
