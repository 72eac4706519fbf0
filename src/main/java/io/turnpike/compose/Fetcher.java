package io.turnpike.compose;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Sends an aggregation's calls through the gateway's upstream machinery (balancer, breaker,
 * pooled connections of the request's event loop, timeouts, node statistics) with the client's
 * identity headers. The proxy supplies it; every callback runs on the request's event loop.
 */
public interface Fetcher {
    /**
     * @param uri          path and query
     * @param body         the request body, or null
     * @param timeoutNanos how long the call may take, connecting included
     * @param maxBytes     the most body bytes read; more fails the call as {@link Failure#TOO_LARGE}
     */
    record Call(String name, String service, String method, String uri, byte[] body, long timeoutNanos,
                long maxBytes) {}

    enum Failure { TIMEOUT, UNAVAILABLE, FAILED, TOO_LARGE }

    interface Callback {
        /** The whole answer; {@code body} is lent for the call only (released after it returns). */
        void answered(int status, HttpHeaders headers, ByteBuf body);

        void failed(Failure kind, String detail);
    }

    void fetch(Call call, Callback callback);

    /** Stops every call still under way (the client left, or the answer is already decided). */
    void cancelAll();
}
