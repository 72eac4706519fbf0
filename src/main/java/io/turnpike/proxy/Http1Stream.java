package io.turnpike.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * One request and its response on an HTTP/1.x connection ({@link Http1Connection}): the rules that
 * belong to the wire, not to the exchange. The response speaks the client's version; a body of
 * unknown length is chunked to a 1.1 client and ends with the connection for a 1.0 one; trailers
 * travel only in a chunked body; and the connection is closed after the answer when the client
 * asked for it, when it sent something unusable, when the rest of its body was not read (it would
 * be taken for the next request), or while the gateway drains.
 */
final class Http1Stream implements Downstream {
    private final Http1Connection connection;
    private final ChannelHandlerContext ctx;
    private final HttpVersion version;
    private final boolean headRequest;
    private final boolean keepAlive;
    private Exchange exchange;
    private boolean closeAfter;
    private boolean chunked;
    private boolean continueSent;
    /**
     * The response head, written with the first piece of the body or at the next flush: a small
     * body that arrives with its head then leaves in the head's own buffer (one write, one buffer).
     */
    private HttpResponse heldHead;

    Http1Stream(Http1Connection connection, HttpRequest request) {
        this.connection = connection;
        this.ctx = connection.ctx();
        this.version = HttpVersion.HTTP_1_0.equals(request.protocolVersion()) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        this.headRequest = HttpMethod.HEAD.equals(request.method());
        this.keepAlive = request.decoderResult().isSuccess() && ProxyHeaders.keepAlive(request);
    }

    void exchange(Exchange exchange) {
        this.exchange = exchange;
    }

    @Override public ProxyContext context() { return connection.context(); }
    @Override public EventLoop loop() { return ctx.channel().eventLoop(); }
    @Override public ByteBufAllocator alloc() { return ctx.alloc(); }
    @Override public String clientIp() { return connection.clientIp(); }
    @Override public byte[] clientAddress() { return connection.clientAddress(); }
    @Override public boolean secure() { return connection.tls(); }
    @Override public io.turnpike.core.ClientCertificate clientCertificate() { return connection.clientCertificate(); }
    @Override public void deadline(long nanos) { connection.deadline(nanos); }
    @Override public void readMore() { connection.updateReading(); }
    @Override public boolean reading() { return connection.reading(); }
    @Override public boolean writable() { return ctx.channel().isWritable(); }
    @Override public void flush() {
        writeHeldHead();
        ctx.flush();
    }
    @Override public void poisoned() { closeAfter = true; }
    @Override public void reset() {
        // A held head that carries content of its own owns that buffer: it will never be written now.
        io.netty.util.ReferenceCountUtil.release(heldHead);
        heldHead = null;
        connection.abort();
    }

    @Override
    public io.netty.channel.Channel switchProtocols(HttpResponse switching, io.netty.channel.ChannelHandler tunnel) {
        return connection.switchTo(switching, tunnel) ? ctx.channel() : null;
    }

    @Override
    public void sendContinue() {
        if (continueSent || !version.equals(HttpVersion.HTTP_1_1)) return; // a 1.0 client cannot take a 100
        continueSent = true;
        connection.codec().nextResponseForHead(false);
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER));
    }

    @Override
    public void sendHead(HttpResponse head, boolean bodyless, boolean lengthKnown) {
        head.setProtocolVersion(version);
        HttpHeaders h = head.headers();
        if (!bodyless && !lengthKnown) {
            if (version.equals(HttpVersion.HTTP_1_1)) {
                chunked = true;
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                closeAfter = true; // HTTP/1.0: the end of the body is the end of the connection
            }
        }
        if (bodyUnread()) closeAfter = true; // answered before the body ended: the rest cannot be skipped safely
        if (!keepAlive || closeAfter || context().draining() || connection.lastRequest()) {
            closeAfter = true;
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        heldHead = head;
    }

    private void writeHeldHead() {
        HttpResponse head = heldHead;
        if (head == null) return;
        heldHead = null;
        connection.codec().nextResponseForHead(headRequest);
        ctx.write(head, ctx.voidPromise());
    }

    @Override
    public void sendContent(HttpContent content) {
        writeHeldHead();
        ctx.write(content, ctx.voidPromise());
    }

    @Override
    public void sendLast(LastHttpContent last) {
        if (!chunked && !last.trailingHeaders().isEmpty()) {
            last = new DefaultLastHttpContent(last.content()); // trailers only travel in a chunked body
        }
        HttpResponse head = heldHead;
        Object out = last;
        if (head instanceof HttpContent) {
            writeHeldHead(); // a head that carries content of its own goes as it is
        } else if (head != null) {
            // The whole response at once: the encoder copies a small body into the head's buffer.
            heldHead = null;
            connection.codec().nextResponseForHead(headRequest);
            out = new DefaultFullHttpResponse(head.protocolVersion(), head.status(), last.content(), head.headers(),
                    last.trailingHeaders());
        }
        ctx.writeAndFlush(out, ctx.voidPromise()); // a failure reaches Http1Connection.exceptionCaught
        connection.exchangeDone(exchange, closeAfter);
    }

    @Override
    public void reply(FullHttpResponse res) {
        res.setProtocolVersion(version);
        int code = res.status().code();
        if (code == 400 || code == 408 || code == 413 || code == 414 || code == 431) {
            closeAfter = true; // a client that sent something unparsable gets no second chance here
        }
        if (bodyUnread() || !keepAlive || context().draining()) {
            closeAfter = true; // the unread rest of a body would be taken for the next request
        }
        if (closeAfter) {
            connection.respondAndClose(res);
            return;
        }
        connection.codec().nextResponseForHead(headRequest);
        boolean last = connection.lastRequest();
        if (last) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(res, ctx.voidPromise());
        connection.exchangeDone(exchange, last);
    }

    private boolean bodyUnread() {
        return !exchange.requestComplete() && exchange.requestHasBody();
    }
}
