package io.turnpike.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 stream, and the one exchange it carries: a child channel of the connection's
 * {@code Http2MultiplexHandler}, after {@code Http2StreamFrameToHttpObjectCodec} has turned its
 * frames into the same request and content objects an HTTP/1.1 connection yields. The response
 * goes back the same way (head, data, trailers as the last HEADERS frame). Flow control is the
 * back-pressure: the stream reads only while the exchange wants bytes (unread DATA is not
 * acknowledged with WINDOW_UPDATE), and its writability is the client's window. A stream whose
 * request was not read to its end when the answer is complete is reset (CANCEL); nothing else of
 * the connection depends on it.
 */
final class Http2Stream extends ChannelDuplexHandler implements Downstream {
    private static final String EXTENSION_PREFIX = "x-http2-"; // the codec's own fields, and a client's spoof of them

    private final ProxyContext context;
    private final io.turnpike.config.Limits limits;
    private ChannelHandlerContext ctx;
    private boolean secure; // the connection's, read once per stream rather than per request header
    private Exchange exchange;
    private boolean reading;
    private boolean ended;
    private boolean resetAfter;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private HttpResponse head; // written with the first data, a flush, or as a whole with an empty end

    Http2Stream(ProxyContext context, io.turnpike.config.Limits limits) {
        this.context = context;
        this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.secure = ctx.channel().parent().pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (msg instanceof HttpRequest req && exchange == null) {
            begin(req);
        } else if (msg instanceof HttpContent c && exchange != null && !ended) {
            exchange.onRequestContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(HttpRequest req) {
        HttpRequest head = req;
        boolean whole = req instanceof FullHttpRequest; // END_STREAM on HEADERS: no body follows
        if (whole) {
            head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(), req.headers());
            ((FullHttpRequest) req).release();
        }
        stripExtensions(head.headers());
        headRules(head);
        ctx.channel().config().setAutoRead(false); // reads follow what the exchange wants (readMore)
        exchange = new Exchange(this, head);
        if (whole) exchange.onRequestContent(LastHttpContent.EMPTY_LAST_CONTENT); // as HTTP/1.1 yields a GET
        exchange.start();
        readMore();
    }

    /**
     * The head rules an HTTP/1.1 head meets in the decoder: at most {@code maxHeaders} fields (431),
     * and {@code headersWithUnderscores} (dropped, refused or let through). The header list's size is
     * bounded by SETTINGS_MAX_HEADER_LIST_SIZE in the codec.
     */
    private void headRules(HttpRequest head) {
        HttpHeaders h = head.headers();
        if (h.size() > limits.maxHeaders()) {
            head.setDecoderResult(io.netty.handler.codec.DecoderResult.failure(
                    new io.netty.handler.codec.http.TooLongHttpHeaderException("the request has more than "
                            + limits.maxHeaders() + " header fields (server.limits.maxHeaders)")));
            return;
        }
        if (limits.headersWithUnderscores() == io.turnpike.config.Limits.Underscores.ALLOW) return;
        java.util.List<String> named = new java.util.ArrayList<>(0);
        for (var it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey(); // not the String view, which copies every field
            if (io.netty.util.AsciiString.indexOf(name, '_', 0) >= 0) named.add(name.toString());
        }
        if (named.isEmpty()) return;
        if (limits.headersWithUnderscores() == io.turnpike.config.Limits.Underscores.REJECT) {
            head.setDecoderResult(io.netty.handler.codec.DecoderResult.failure(new IllegalArgumentException(
                    "header " + named.get(0) + " has an underscore in its name (server.limits.headersWithUnderscores)")));
        } else {
            named.forEach(h::remove);
        }
    }

    private static void stripExtensions(HttpHeaders h) {
        java.util.List<String> drop = null;
        for (var it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey(); // not the String view, which copies every field
            if (io.netty.util.AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length())) {
                if (drop == null) drop = new java.util.ArrayList<>(2);
                drop.add(name.toString());
            }
        }
        if (drop != null) drop.forEach(h::remove);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (exchange != null && !ended) exchange.readEnded();
        readMore();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && !ended && ctx.channel().isWritable()) exchange.clientWritable();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        if (exchange != null && !ended) {
            ended = true;
            exchange.clientGone(); // a reset by the client, or the connection went away
        }
        ctx.fireChannelInactive();
    }

    /**
     * A stream error (frames in the wrong state, a content-length that lies, a window overflow; or a
     * head the codec cannot turn into a request): this stream only is reset, with the error's code
     * (RFC 9113 5.4.2), not the CANCEL a plain close would say. Anything else is the gateway's own
     * trouble: INTERNAL_ERROR.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // the multiplexer hands a stream its codec's Http2Exception (the cause of its Http2FrameStreamException)
        io.netty.handler.codec.http2.Http2Exception h2 = io.netty.handler.codec.http2.Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        io.netty.handler.codec.http2.Http2Error code = h2 != null ? h2.error()
                : cause instanceof io.netty.handler.codec.DecoderException ? io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR
                : io.netty.handler.codec.http2.Http2Error.INTERNAL_ERROR;
        if (code == io.netty.handler.codec.http2.Http2Error.INTERNAL_ERROR && !(cause instanceof java.io.IOException)) {
            // the gateway's own failure: the stream is reset, and the log says why
            org.slf4j.LoggerFactory.getLogger(Http2Stream.class).warn("resetting a stream of {}: {}",
                    ctx.channel().parent().remoteAddress(), cause.toString(), cause);
        }
        ctx.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2ResetFrame(code)).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- Downstream -----------------------------------------------------------------------------

    @Override public ProxyContext context() { return context; }
    @Override public EventLoop loop() { return ctx.channel().eventLoop(); }
    @Override public ByteBufAllocator alloc() { return ctx.alloc(); }
    @Override public boolean reading() { return reading; }
    @Override public boolean writable() { return ctx.channel().isWritable(); }
    @Override
    public void flush() {
        writeHead();
        ctx.flush();
    }
    @Override public void poisoned() { resetAfter = true; }

    @Override
    public boolean secure() {
        return secure;
    }

    @Override
    public io.turnpike.core.ClientCertificate clientCertificate() {
        return ctx.channel().parent().attr(io.turnpike.tls.EdgeTls.CLIENT_CERTIFICATE).get();
    }

    @Override
    public String clientIp() {
        return ctx.channel().parent().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "unknown";
    }

    @Override
    public byte[] clientAddress() {
        return ctx.channel().parent().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getAddress() : new byte[0];
    }

    @Override
    public void readMore() {
        if (ended || !ctx.channel().isActive()) return;
        boolean want = exchange == null || exchange.wantsRequestBytes();
        if (want) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        } else {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void deadline(long nanos) {
        if (nanos == Long.MAX_VALUE) return;
        if (timer != null && timerAt - nanos <= 0) return;
        cancelTimer();
        timerAt = nanos;
        timer = loop().schedule(this::onTimer, Math.max(0, nanos - loop().ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (exchange != null && !ended) exchange.deadlinePassed();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void sendContinue() {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER));
    }

    @Override
    public void sendHead(HttpResponse head, boolean bodyless, boolean lengthKnown) {
        withoutConnectionFields(head.headers());
        this.head = head; // held for a moment: an answer that ends right here must be one HEADERS frame
    }

    private void writeHead() {
        if (head != null) {
            ctx.write(head, ctx.voidPromise());
            head = null;
        }
    }

    @Override
    public void sendContent(HttpContent content) {
        writeHead();
        ctx.write(content, ctx.voidPromise());
    }

    @Override
    public void sendLast(LastHttpContent last) {
        ended();
        if (head != null && !last.content().isReadable() && last.trailingHeaders().isEmpty()) {
            // Nothing but the head: HEADERS with END_STREAM (a gRPC trailers-only answer must be sent so)
            last.release();
            FullHttpResponse whole = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                    Unpooled.EMPTY_BUFFER, head.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
            head = null;
            answer(whole);
            return;
        }
        writeHead();
        answer(last);
    }

    @Override
    public void reply(FullHttpResponse response) {
        withoutConnectionFields(response.headers());
        ended();
        answer(response);
    }

    @Override
    public void reset() {
        ended();
        ctx.close();
    }

    private void ended() {
        ended = true;
        cancelTimer();
    }

    /**
     * The answer's last part. After it, a stream whose request is still arriving (or broke a rule) is
     * reset, so the client stops sending. Otherwise no listener: a write that fails reaches
     * {@link #exceptionCaught}, which resets the stream.
     */
    private void answer(Object last) {
        if (resetAfter || !exchange.requestComplete()) {
            ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(last, ctx.voidPromise());
        }
    }

    /** HTTP/2 has no connection-specific fields (RFC 9113 8.2.2); the codec would refuse to send them. */
    private static void withoutConnectionFields(HttpHeaders h) {
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove("proxy-connection");
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
    }
}
