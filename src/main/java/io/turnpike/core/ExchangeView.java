package io.turnpike.core;

/**
 * What is known about one finished exchange, for metrics and the access log. Read it during
 * {@link ExchangeObserver#onEnd} only: it is the live exchange, not a copy.
 */
public interface ExchangeView {
    String requestId();

    /** Wall-clock time the request head arrived, epoch milliseconds. */
    long startEpochMillis();

    String clientIp();

    /**
     * Why authentication said what it said, for the log only (never the client): {@code ok},
     * {@code no-credential}, {@code unknown-credential}, {@code expired}, {@code bad-password},
     * {@code scope-missing}, {@code acl-denied}, ... (docs/OPERATIONS.md); null on open routes.
     */
    default String authDecision() {
        return null;
    }

    /** What a policy step left on the request under {@code key} ({@link PolicyCall#attr}), or null. */
    default <T> T attr(AttrKey<T> key) {
        return null;
    }

    /** The gRPC status of the answer ({@code grpc-status}, from the service or the gateway); null for other calls. */
    default String grpcStatus() {
        return null;
    }

    /** The authenticated consumer's id; null for anonymous calls. */
    default String consumerId() {
        return null;
    }

    String method();

    /** The client profile ({@code clients:}) the request was served as; null when none are configured. */
    default String profile() {
        return null;
    }

    /** The normalised request path, or the raw target when it could not be normalised. */
    String path();

    /** Null when no route matched (or the request was refused before routing). */
    String routeId();

    /** Null when no route matched. */
    String serviceId();

    /** {@code host:port} of the last node tried; null when none was. */
    String nodeKey();

    /** The status sent to the client; 0 when the client got no response head. */
    int status();

    /** Request body bytes received from the client. */
    long bytesIn();

    /** Response body bytes sent to the client. */
    long bytesOut();

    /** From the request head arriving to the exchange ending. */
    long totalNanos();

    /** From the request going to a node to the end of the response; -1 when no node was reached. */
    long upstreamNanos();

    /** Attempts beyond the first: other nodes after a refused connection, or a stale connection. */
    int retries();

    /** Why the gateway answered by itself (404, 413, 502, ...); null when the node's answer went through. */
    Problems.Kind rejection();

    /** How it ended: {@code ok}, {@code client-aborted}, {@code upstream-aborted} or {@code rejected}. */
    String outcome();

    /** The W3C trace id; null when the request was refused before routing. */
    String traceId();

    /** The client's span id from its traceparent; null when the trace started at the gateway. */
    String parentSpanId();

    /** The gateway's span for this request; null when the request was refused before routing. */
    String spanId();

    /** The trace's sampled flag. */
    boolean sampled();

    /** The upstream attempts, in order; recorded only while tracing is on (else empty). */
    java.util.List<Attempt> attempts();

    /**
     * One try at a node: a child span of the request's. The node saw {@code spanId} as its parent.
     *
     * @param startOffsetNanos when it began, counted from the request head's arrival
     * @param endOffsetNanos   when it ended, likewise
     * @param outcome {@code ok}, {@code connect-failed}, {@code failed} or {@code timeout}
     */
    record Attempt(String spanId, String nodeKey, long startOffsetNanos, long endOffsetNanos, String outcome) {}
}
