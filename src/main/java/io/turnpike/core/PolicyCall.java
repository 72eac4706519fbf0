package io.turnpike.core;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import io.turnpike.config.RouteSpec;
import java.util.Map;

/**
 * The request as a {@link Policy} sees it while the chain runs, and what the policies leave for
 * the rest of the exchange (the consumer, response headers, the body limit). Confined to the
 * request's event loop: use it from {@link Policy#check} or from a resumed step, never from
 * another thread.
 */
public interface PolicyCall {
    /** The request headers, as the upstream will get them: a policy may remove or add. */
    HttpHeaders headers();

    String method();

    /** The normalised path. */
    String path();

    /** The raw query string (no '?'), or null. */
    String query();

    /** Replaces the query string the upstream gets (null = none). */
    void query(String query);

    /**
     * The client's address bytes (4 or 16): the peer's, or behind a trusted proxy
     * ({@code server.trustedProxies}) the client X-Forwarded-For names.
     */
    byte[] clientAddress();

    /** {@link #clientAddress()} as text. */
    String clientIp();

    RouteSpec route();

    /** The request's declared body length, or -1 when chunked or unknown. */
    long contentLength();

    /** Overrides the body limit for this request. */
    void maxBodyBytes(long max);

    /** The authenticated consumer; null before authentication or on an anonymous call. */
    Consumer consumer();

    /** Records who is calling and the claims of the credential (empty for API keys and Basic). */
    void authenticated(Consumer consumer, Map<String, Object> claims);

    /** The verified token's claims; empty when none. */
    Map<String, Object> claims();

    /** The client certificate the TLS listener verified against {@code clientCa}; null when none. */
    default ClientCertificate clientCertificate() {
        return null;
    }

    /** Why authentication or authorization decided as it did, for the log and metrics (never the client). */
    void authDecision(String decision);

    /** Headers for whatever the client gets: the service's response or the gateway's problem. */
    HttpHeaders responseHeaders();

    /** The request's event loop, where a resumed chain runs. */
    EventExecutor executor();

    /** When the request head arrived, on the loop's clock ({@code executor().ticker()}). */
    long startNanos();

    /** The request id the client and the upstream see. */
    default String requestId() {
        return null;
    }

    /** A path variable of the route's match ({@code id} of {@code /users/{id}}), or null. */
    default String pathVariable(String name) {
        return null;
    }

    /** The client profile ({@code clients:}) the request was recognised as; null when none are configured. */
    default String profile() {
        return null;
    }

    /** Records the client profile, for the upstream, the response transform, the log and metrics. */
    default void profile(String name) {}

    /** Replaces the path the upstream gets (after the route's rewrite); null = keep it. */
    default void upstreamPath(String path) {}

    /**
     * Asks for the request body to be held whole (bounded) and edited before it goes upstream. Only
     * routes that need it call this; every other request body streams.
     */
    default void editBody(BodyEdit edit) {}

    /** An edit of a whole request body (a JSON field set from a header or a claim). */
    interface BodyEdit {
        /** The most body bytes held; a larger body is answered 413. */
        long maxBytes();

        /**
         * @return the new body
         * @throws IllegalArgumentException when the body cannot be edited (the message goes to the client, 400)
         */
        byte[] apply(io.netty.buffer.ByteBuf body, PolicyCall call);
    }

    /** What a step left on this request under {@code key}, or null. */
    <T> T attr(AttrKey<T> key);

    /** Leaves {@code value} on this request under {@code key}, for later steps and the observers. */
    <T> void attr(AttrKey<T> key, T value);
}
