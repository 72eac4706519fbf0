package io.turnpike.metering;

import java.util.Map;

/**
 * Where usage is kept for good. Used from one thread at a time (the meter's writer thread).
 * {@link #apply} is idempotent per (writer, batch): a batch retried after a failure whose outcome
 * was unknown (the commit may or may not have happened) is applied at most once.
 */
public interface Ledger extends AutoCloseable {
    /**
     * Adds a batch of bucket deltas in one transaction, unless this writer's batch {@code seq} (or a
     * later one) was applied already.
     *
     * @param writer the writing process's incarnation id (new at every start)
     * @param seq    the batch number, increasing per writer
     * @return false when the batch had been applied before (nothing changed)
     */
    boolean apply(String writer, long seq, Map<UsageKey, UsageCounts> deltas) throws Exception;

    /**
     * Sums of the buckets with {@code fromMinute <= minute < toMinute}, by consumer, route and
     * status class (minute 0 in the keys); a null consumer or route means all.
     */
    Map<UsageKey, UsageCounts> usage(String consumer, String route, long fromMinute, long toMinute) throws Exception;

    /** What this ledger is, for the log (no password). */
    String describe();

    @Override
    void close();
}
