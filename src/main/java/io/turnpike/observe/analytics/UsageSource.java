package io.turnpike.observe.analytics;

import java.math.BigDecimal;
import java.util.List;

/**
 * Metered usage per consumer, for the dashboard's consumers page and the {@code quotaUsed} alert.
 * The metering package provides the real one ({@code Metering.usageSource()}); {@link #NONE}
 * reports nothing (the page shows no usage and {@code quotaUsed} rules never fire).
 */
public interface UsageSource {
    UsageSource NONE = List::of;

    /** Each consumer's usage in the current period. Called off the event loops; may block briefly. */
    List<ConsumerUsage> consumers();

    /**
     * @param used     units used this period
     * @param quota    units allowed this period; 0 when the plan has no quota
     * @param bill     the period's bill so far (decimal, as on the invoice); zero when the plan has no price
     * @param currency of the bill, e.g. USD; null when there is none
     */
    record ConsumerUsage(String consumer, String plan, long used, long quota, BigDecimal bill,
                                String currency) {
        /** Used / quota, 0 to 1 (and above when over); NaN without a quota. */
        public double quotaUsed() {
            return quota <= 0 ? Double.NaN : (double) used / quota;
        }
    }
}
