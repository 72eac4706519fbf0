package io.turnpike.metering;

import io.turnpike.config.PlanSpec;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The quota period an instant falls in: a calendar day in UTC, or a month that starts at 00:00 UTC
 * on the plan's {@code resetDay} (1 = calendar months).
 *
 * @param start inclusive, epoch millis
 * @param end   exclusive, epoch millis: when the quota resets
 */
public record QuotaPeriod(long start, long end) {
    private static final long DAY_MILLIS = 86_400_000L;

    /** The last month computed: asked for on every metered call, it changes once a month. */
    private record Cached(int resetDay, QuotaPeriod period) {}

    private static volatile Cached lastMonth = new Cached(0, new QuotaPeriod(0, 0));

    public static QuotaPeriod of(PlanSpec.Period period, int resetDay, long epochMillis) {
        if (period == PlanSpec.Period.DAY) {
            long start = Math.floorDiv(epochMillis, DAY_MILLIS) * DAY_MILLIS; // UTC days have no leap seconds here
            return new QuotaPeriod(start, start + DAY_MILLIS);
        }
        Cached c = lastMonth;
        if (c.resetDay == resetDay && c.period.contains(epochMillis)) return c.period;
        QuotaPeriod p = compute(period, resetDay, epochMillis);
        lastMonth = new Cached(resetDay, p);
        return p;
    }

    private static QuotaPeriod compute(PlanSpec.Period period, int resetDay, long epochMillis) {
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
        LocalDate first;
        LocalDate next;
        if (period == PlanSpec.Period.DAY) {
            first = day;
            next = day.plusDays(1);
        } else {
            int d = Math.max(1, Math.min(28, resetDay));
            first = day.getDayOfMonth() >= d ? day.withDayOfMonth(d) : day.minusMonths(1).withDayOfMonth(d);
            next = first.plusMonths(1);
        }
        return new QuotaPeriod(millis(first), millis(next));
    }

    public static QuotaPeriod of(PlanSpec.Quota quota, long epochMillis) {
        return of(quota.period(), quota.resetDay(), epochMillis);
    }

    static long millis(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    public Instant resetsAt() {
        return Instant.ofEpochMilli(end);
    }

    public boolean contains(long epochMillis) {
        return epochMillis >= start && epochMillis < end;
    }
}
