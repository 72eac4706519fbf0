package io.turnpike.proxy;

import io.turnpike.core.LoopClock;
import io.turnpike.core.Problems;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnpike.config.Limits;
import io.turnpike.server.http1.LingeringClose;
import io.turnpike.server.http1.ServerCodec;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection. It reads while it has somewhere to put the bytes and turns auto-read off
 * when it has not (the upstream is full, or too much is queued), which is how back-pressure
 * reaches the client's TCP window. Auto-read is toggled only then, because every toggle is a
 * syscall. Requests are served one at a time. A pipelined request is decoded while the one
 * before it is served and waits in {@link #pipelined}; the ones behind it wait in the decoder as
 * the bytes they came as, and nothing more is read meanwhile ({@link ServerCodec#holdHeads}).
 */
public final class Http1Connection extends ChannelDuplexHandler {

    private final ProxyContext context;
    private final Limits limits;
    private final boolean tls;
    private ChannelHandlerContext ctx;
    private ServerCodec codec;
    private String clientIp;
    private byte[] clientAddress = new byte[0];

    private Exchange current;
    private final ArrayDeque<HttpObject> pipelined = new ArrayDeque<>(2);
    private ScheduledFuture<?> timer;
    private long timerAt;
    private long deadline = Long.MAX_VALUE;
    private boolean waitingForBytes = true;
    private boolean headerStarted;
    private boolean closing;
    private boolean reading;
    /** An answer still fills the outbound buffer: the next request waits until the client reads it. */
    private boolean waitingForWritable;
    /** Requests begun on this connection, for {@code maxRequestsPerConnection}. */
    private int begun;

    public Http1Connection(ProxyContext context, Limits limits) {
        this(context, limits, false);
    }

    public Http1Connection(ProxyContext context, Limits limits, boolean tls) {
        this.context = context;
        this.limits = limits;
        this.tls = tls;
    }

    /** The connection came through the TLS listener. */
    boolean tls() { return tls; }

    /** The client certificate the TLS handshake verified, or null. */
    io.turnpike.core.ClientCertificate clientCertificate() {
        return tls ? ctx.channel().attr(io.turnpike.tls.EdgeTls.CLIENT_CERTIFICATE).get() : null;
    }

    ProxyContext context() { return context; }
    ChannelHandlerContext ctx() { return ctx; }
    String clientIp() { return clientIp; }
    /** The client's address as bytes (4 or 16), for IP filters. */
    byte[] clientAddress() { return clientAddress; }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.codec = ServerCodec.in(ctx.pipeline());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            clientIp = a.getAddress().getHostAddress();
            clientAddress = a.getAddress().getAddress();
        } else {
            clientIp = "unknown";
        }
        deadline(LoopClock.nanoTime(ctx.executor()) + limits.headerTimeout().toNanos());
        ctx.fireChannelActive(); // auto-read is on: the first read follows
    }

    /** Raw bytes arrived (seen before decoding): a new request's header clock starts now. */
    void bytesArrived() {
        if (current == null && waitingForBytes && !headerStarted) {
            headerStarted = true;
            deadline(LoopClock.nanoTime(ctx.executor()) + limits.headerTimeout().toNanos());
        }
    }

    /**
     * Sets the connection's one deadline: for the header block or the keep-alive idle time while
     * no request is served, else the exchange's. The timer is re-armed lazily: a later deadline
     * waits for the pending timer to fire and look again, so a busy keep-alive connection does
     * not cancel and schedule a timer per request.
     */
    void deadline(long nanos) {
        deadline = nanos;
        if (nanos == Long.MAX_VALUE) return;
        if (timer != null && timerAt - nanos <= 0) return;
        if (timer != null) timer.cancel(false);
        schedule(nanos);
    }

    private void schedule(long at) {
        timerAt = at;
        timer = ctx.executor().schedule(timerTask, Math.max(0, at - ctx.executor().ticker().nanoTime()), TimeUnit.NANOSECONDS);
    }

    private final Runnable timerTask = this::onTimer;

    private void onTimer() {
        timer = null;
        if (deadline == Long.MAX_VALUE || !ctx.channel().isActive()) return;
        if (ctx.executor().ticker().nanoTime() - deadline < 0) {
            schedule(deadline);
            return;
        }
        deadline = Long.MAX_VALUE;
        if (current != null) {
            current.deadlinePassed();
        } else {
            waitExpired();
        }
    }

    private void cancelTimer() {
        deadline = Long.MAX_VALUE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void waitExpired() {
        if (headerStarted) {
            // A client that began a request but did not finish its header block in time.
            context.observer().onRefused(Problems.Kind.HEADER_TIMEOUT);
            respondAndClose(Problems.response(ctx.alloc(), HttpVersion.HTTP_1_1, Problems.Kind.HEADER_TIMEOUT,
                    "the request header was not received within " + limits.headerTimeout().toMillis() + " ms",
                    RequestIds.make()));
        } else {
            ctx.close(); // idle keep-alive connection, or a connection that never sent a byte
        }
    }

    /** True between a read's first message and its channelReadComplete. */
    boolean reading() {
        return reading;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            // One the decoder read in the same pass as an answer that is still unread waits too.
            if (current != null || !pipelined.isEmpty() || waitingForWritable) {
                pipelined.add(req);
                codec.holdHeads();
                updateReading(); // at once: the read loop would otherwise go on reading past this request
                return;
            }
            begin(req);
        } else if (msg instanceof HttpContent content) {
            if (current != null && !current.requestComplete() && pipelined.isEmpty()) {
                current.onRequestContent(content);
            } else if (!pipelined.isEmpty()) {
                pipelined.add(content);
            } else {
                content.release(); // the tail of a request already answered
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(HttpRequest req) {
        deadline = Long.MAX_VALUE; // the exchange sets its own
        waitingForBytes = false;
        headerStarted = false;
        begun++;
        Http1Stream stream = new Http1Stream(this, req);
        current = new Exchange(stream, req);
        stream.exchange(current);
        current.start();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (current != null) current.readEnded();
        updateReading();
    }

    /** Reads while there is somewhere to put the bytes; pauses reading otherwise. */
    void updateReading() {
        if (closing || !ctx.channel().isActive()) return;
        boolean want;
        if (current == null || current.requestComplete()) {
            // Past a WebSocket handshake come frames, not requests: they wait for the 101.
            want = pipelined.isEmpty() && !waitingForWritable && (current == null || !current.switching());
        } else {
            want = current.wantsRequestBytes();
        }
        var config = ctx.channel().config();
        if (config.isAutoRead() != want) {
            config.setAutoRead(want);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (current != null) {
                current.clientWritable();
            } else if (waitingForWritable && !closing) {
                waitingForWritable = false;
                deadline = Long.MAX_VALUE;
                serveNext();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** The exchange finished its response; {@code close} when the connection cannot be reused. */
    void exchangeDone(Exchange ex, boolean close) {
        if (ex != current) return;
        current = null;
        if (close || context.draining()) {
            closing = true;
            var flushed = ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER);
            if (!ex.requestComplete() || !pipelined.isEmpty() || lastRequest()) {
                // The client is still sending (a bare close would reset), or it is a keep-alive client
                // that the gateway, not the client, ends: it may be sending its next request already.
                cancelTimer();
                LingeringClose.after(ctx.channel(), flushed);
            } else {
                flushed.addListener(ChannelFutureListener.CLOSE);
            }
            releasePipelined();
            return;
        }
        if (!ctx.channel().isWritable()) {
            // The client is not reading its answers. Serving the next request now would pile its
            // answer on top (answers that arrive whole never wait for the client), and a client
            // pipelining requests for small answers could grow the buffer without end. So the next
            // request waits, nothing more is read, and a client that reads nothing for the idle
            // time is closed.
            waitingForWritable = true;
            deadline(LoopClock.nanoTime(ctx.executor()) + limits.idleTimeout().toNanos());
            updateReading();
            return;
        }
        serveNext();
    }

    /** The connection is free: the next request that waits begins, or the connection waits for one. */
    private void serveNext() {
        HttpObject next = pipelined.poll();
        if (next instanceof HttpRequest req) {
            begin(req);
            while (current != null && !current.requestComplete() && pipelined.peek() instanceof HttpContent c) {
                pipelined.poll();
                current.onRequestContent(c);
            }
            if (current != null) current.readEnded();
            releaseHeadsIfNoneWaits();
            updateReading();
            return;
        }
        ReferenceCountUtil.release(next);
        waitingForBytes = true;
        deadline(LoopClock.nanoTime(ctx.executor()) + limits.idleTimeout().toNanos());
        releaseHeadsIfNoneWaits();
        updateReading();
    }

    /** No decoded request waits any more: the next one may be decoded from the bytes already read. */
    private void releaseHeadsIfNoneWaits() {
        if (pipelined.isEmpty() && !closing) codec.releaseHeads(ctx.pipeline());
    }

    /**
     * Writes a gateway-made answer with {@code Connection: close} and closes after it, lingering
     * while the client may still be sending what the answer refused.
     */
    void respondAndClose(FullHttpResponse res) {
        closing = true;
        cancelTimer();
        res.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION, "close");
        codec.nextResponseForHead(false);
        LingeringClose.after(ctx.channel(), ctx.writeAndFlush(res));
        releasePipelined();
    }

    ServerCodec codec() { return codec; }

    /**
     * True while the request under way is the last this connection carries
     * ({@code maxRequestsPerConnection}, nginx's {@code keepalive_requests}): its answer says
     * {@code Connection: close}, and the connection closes after it. Clients reconnect, so
     * long-lived connections spread again over a fleet's gateways, and what a connection holds
     * is given back now and then.
     */
    boolean lastRequest() {
        int max = limits.maxRequestsPerConnection();
        return max > 0 && begun >= max;
    }

    /**
     * Answers the request under way with {@code switching} (101); from then on the connection's
     * bytes go to {@code tunnel}, with what the decoder had read past the handshake. False when a
     * later request was already decoded: those bytes cannot be given back.
     */
    boolean switchTo(HttpResponse switching, ChannelHandler tunnel) {
        if (closing || !pipelined.isEmpty()) return false;
        closing = true;
        cancelTimer();
        current = null;
        codec.nextResponseForHead(false);
        ctx.write(switching, ctx.voidPromise());
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
        codec.removeEncoder(ctx.pipeline());
        ctx.pipeline().replace(this, "websocket", tunnel);
        codec.removeDecoder(ctx.pipeline());
        return true;
    }

    /** Closes at once (a response already began and cannot be finished properly). */
    void abort() {
        closing = true;
        ctx.close();
        releasePipelined();
    }

    private void releasePipelined() {
        HttpObject o;
        while ((o = pipelined.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        cancelTimer();
        releasePipelined();
        if (current != null) {
            Exchange ex = current;
            current = null;
            ex.clientGone();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors on a client connection (reset by peer and the like) end it; nothing to answer.
        // Anything else is the gateway's own failure: it ends the connection too, but says so.
        if (!(cause instanceof java.io.IOException) && !(cause instanceof io.netty.handler.codec.DecoderException)) {
            org.slf4j.LoggerFactory.getLogger(Http1Connection.class).warn("closing the connection of {}: {}",
                    ctx.channel().remoteAddress(), cause.toString(), cause);
        }
        ctx.close();
    }

    /** True when this connection is between requests (safe to close while draining). */
    public boolean idle() {
        return current == null;
    }
}
