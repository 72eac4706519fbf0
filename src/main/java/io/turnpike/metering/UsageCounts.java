package io.turnpike.metering;

/**
 * Counts in a bucket or a sum of buckets.
 *
 * @param units        billing units (route cost per call)
 * @param overageUnits the part of {@code units} past the consumer's quota, billed at the overage price
 */
public record UsageCounts(long calls, long units, long overageUnits) {
    public static final UsageCounts ZERO = new UsageCounts(0, 0, 0);

    public UsageCounts plus(UsageCounts o) {
        return new UsageCounts(calls + o.calls, units + o.units, overageUnits + o.overageUnits);
    }
}
