package io.turnpike.metering;

/**
 * Where a quota check held a call's units (this node's count, the fleet's count in Redis, or this
 * node's share while Redis is unreachable), and how the {@link Meter} settles them when it ends.
 */
interface QuotaHold {
    /** Keeps {@code billed} of the units {@code held} holds (0: the call is not billable, all go back). */
    void settle(String consumer, QuotaPolicy.Reservation held, long billed);
}
