package io.turnpike.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The client's side of one exchange, whatever the protocol: an HTTP/1.1 connection's current
 * request ({@link Http1Stream}) or an HTTP/2 stream. The exchange hands it the response as head,
 * data and end, and gateway-made answers whole; the protocol's own rules (framing, keep-alive,
 * {@code Connection}, interim responses, whether the connection survives) live behind it.
 * Everything here runs on {@link #loop()}.
 */
interface Downstream {
    ProxyContext context();

    EventLoop loop();

    ByteBufAllocator alloc();

    /** The peer's address as text, and as bytes (4 or 16) for IP filters. */
    String clientIp();

    byte[] clientAddress();

    /** The client came over TLS. */
    boolean secure();

    /** The client certificate the TLS handshake verified, or null. */
    io.turnpike.core.ClientCertificate clientCertificate();

    /** Look at the exchange again by {@code nanos} on the loop's clock ({@link Exchange#deadlinePassed}). */
    void deadline(long nanos);

    /** Read more of the request body if the exchange wants it ({@link Exchange#wantsRequestBytes}), else pause. */
    void readMore();

    /** True inside a burst of reads from the client: an upstream flush can wait for its end. */
    boolean reading();

    boolean writable();

    /** The client asked to be told before it sends the body (100-continue): tell it, once. */
    void sendContinue();

    /**
     * The response head. {@code bodyless}: no body follows whatever the head says (HEAD, 204, 304);
     * {@code lengthKnown}: the head carries the body's length.
     */
    void sendHead(HttpResponse head, boolean bodyless, boolean lengthKnown);

    /** A piece of the response body, written and not yet flushed. */
    void sendContent(HttpContent content);

    /** The response's end (its last data, and trailers where the protocol carries them); the exchange is over. */
    void sendLast(LastHttpContent last);

    /** A whole answer the gateway made (a problem, a preflight, an aggregation's JSON); the exchange is over. */
    void reply(FullHttpResponse response);

    /** Pushes what was written to the client. */
    void flush();

    /** The client sent something that leaves the stream unusable after this answer (garbage, too much). */
    void poisoned();

    /** Cuts the client off at once: a response that began cannot be finished properly. */
    void reset();

    /**
     * Sends {@code switching} (a 101) and hands the connection's bytes both ways to {@code tunnel}:
     * the protocol is over on it. Returns the connection, or null (nothing sent) where it cannot switch.
     */
    default io.netty.channel.Channel switchProtocols(HttpResponse switching, io.netty.channel.ChannelHandler tunnel) {
        return null;
    }
}
