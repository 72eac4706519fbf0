package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.turnpike.upstream.Admission;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;

/**
 * Who sends a request through an {@link UpstreamRequest} and takes its answer: a proxied exchange,
 * or one call of an aggregation. Called on the request's event loop.
 */
interface UpstreamCaller {
    /** The head the tries carry (trace headers are set in it); for {@link PickRequest} too. */
    HttpHeaders headers();

    String header(String name);

    String cookie(String name);

    String clientIp();

    /** What to write first on a connection to {@code node}; a {@link LastHttpContent} is the whole request. */
    HttpRequest head(Node node);

    /** False while the request has a body that streams through (it cannot be sent twice). */
    boolean bodiless();

    /** The request has arrived whole (a try may be repeated only then). */
    boolean requestComplete();

    /** The request's deadline, {@code Long.MAX_VALUE} for none: no retry waits past it. */
    long deadline();

    /** The service refused the request (breaker open, or overloaded); nothing was sent. */
    void refused(Admission admission);

    /** A connection is lent for a try, before the head goes out. */
    void connected(long now);

    /** The head went out on {@code ch}: write what there is of the body ({@link UpstreamRequest#write}), and flush. */
    void sendBody(Channel ch);

    /** The caller's timer should look at this request again by {@code nanos} ({@link UpstreamRequest#timerFired}). */
    void timer(long nanos);

    /** The node's response head (not 1xx, not one retried); its body follows through {@link #responseContent}. */
    void responseHead(HttpResponse head);

    void responseContent(HttpContent content);

    /**
     * The node answered 101 Switching Protocols. Returns true when the caller takes the connection
     * ({@link UpstreamRequest#takeOver}); false, the default, fails the request: it did not ask to switch.
     */
    default boolean switchProtocols(HttpResponse head) {
        return false;
    }

    void upstreamReadComplete();

    void upstreamWritable();

    /** No try is left; the node's books are closed. */
    void failed(Failure failure, String detail);

    /** Why the request could not be served by the service. */
    enum Failure {
        /** No node was available for a first try. */
        NO_NODE,
        /** Every node that could be tried refused the connection (or could not be reached). */
        CONNECT_FAILED,
        /** As {@link #CONNECT_FAILED}, the last one by the connect timeout. */
        CONNECT_TIMEOUT,
        /** The connection broke (closed early, reset, garbage). */
        RESET,
        /** The request, the try, or the idle time ran out. */
        TIMEOUT
    }
}
