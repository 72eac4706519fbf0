package io.turnpike.observe.analytics;

import io.turnpike.core.ExchangeView;

/**
 * The facts of one finished exchange that the rollups need, copied on the event loop so the
 * rollup thread never touches the live exchange.
 *
 * @param atMillis      when it ended (the analytics clock), epoch milliseconds
 * @param latencyMicros from the request head arriving to the exchange ending
 * @param profile       the client profile; null when none are configured
 */
public record AnalyticsRecord(long atMillis, String route, String service, String node, String consumer,
                              String profile, int status, long bytesIn, long bytesOut, long latencyMicros) {

    static AnalyticsRecord of(ExchangeView x, long nowMillis) {
        return new AnalyticsRecord(nowMillis, x.routeId(), x.serviceId(), x.nodeKey(), x.consumerId(), x.profile(),
                x.status(), x.bytesIn(), x.bytesOut(), x.totalNanos() / 1_000);
    }

    /** A 5xx, or no answer at all (the client or the node went away first). */
    public boolean error() {
        return status >= 500 || status == 0;
    }

    /** Refused by a rate limit or quota. */
    public boolean limited() {
        return status == 429;
    }
}
