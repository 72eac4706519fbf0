package io.turnpike.metering;

import io.turnpike.config.PlanSpec;
import java.time.Instant;

/**
 * A consumer's quota now.
 *
 * @param remaining units left in the period (0 once used up, also under {@code overage: bill})
 * @param resetsAt  when the next period starts
 */
public record QuotaStatus(String consumer, String plan, long limit, PlanSpec.Period period, long used,
                          long remaining, Instant periodStart, Instant resetsAt, PlanSpec.Overage overage) {}
