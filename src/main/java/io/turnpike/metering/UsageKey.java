package io.turnpike.metering;

/**
 * One ledger bucket: a consumer's calls to a route that ended in one UTC minute with one status class.
 *
 * @param minute      epoch minute (epoch millis / 60000) the calls ended in
 * @param statusClass 2 for 2xx, ...; 0 when the client got no response head
 */
public record UsageKey(String consumer, String route, int statusClass, long minute) {}
