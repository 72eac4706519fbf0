package io.turnpike.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnpike.core.LoopClock;
import io.turnpike.upstream.NodePool;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The end of an upstream connection: hands response parts to the exchange it is lent to, and
 * looks after the connection while it idles in its pool: a parked HTTP/1.1 connection that has
 * read nothing for the pool's idle timeout is closed (a lent one never: the exchange's deadline
 * rules). The idle clock is kept here rather than by an {@code IdleStateHandler}, which would be
 * one more handler every read passes and one more clock reading per read.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final IOException CLOSED_EARLY = new IOException("upstream closed the connection");

    /**
     * The node will not process the request: its stream was above a GOAWAY's last-stream-id, or
     * reset with REFUSED_STREAM (RFC 9113 8.7). Sending it again elsewhere is safe whatever its method.
     */
    static final class Unprocessed extends IOException {
        Unprocessed(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // shared instances: a stack would say where the first one was made
        }
    }

    private static final Unprocessed GONE_AWAY = new Unprocessed("the node went away before the request was processed");
    private static final Unprocessed REFUSED = new Unprocessed("the node refused the stream");

    /** Who a lent connection reports to: a proxied exchange, or one call of an aggregation. */
    interface Receiver {
        void onResponse(HttpObject msg);

        void upstreamReadComplete();

        void upstreamWritable();

        void upstreamFailed(Throwable cause, boolean gotBytes);
    }

    private final NodePool pool;
    private final UpstreamCodec codec;
    /** The pool's idle timeout; 0 for an HTTP/2 stream, whose connection idles in its pool instead. */
    private final long idleNanos;
    private long lastReadNanos;
    private ScheduledFuture<?> idleCheck;
    private Receiver exchange;
    private boolean reused;
    private boolean sawBytes;
    private boolean keepAlive;

    /**
     * @param idleTimeoutMillis how long a parked connection may read nothing before it is closed; 0: never
     * @param codec             the connection's HTTP/1.1 codec; null for an HTTP/2 stream
     */
    UpstreamHandler(NodePool pool, long idleTimeoutMillis, UpstreamCodec codec) {
        this.pool = pool;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.codec = codec;
    }

    void attach(Receiver ex, boolean reused) {
        this.exchange = ex;
        this.reused = reused;
        this.sawBytes = false;
        this.keepAlive = true;
    }

    void detach() {
        this.exchange = null;
    }

    boolean reused() { return reused; }
    boolean sawBytes() { return sawBytes; }

    /**
     * The node allows another request on this connection after the current response, and sent
     * nothing past that response's end.
     */
    boolean reusableAfter() {
        return keepAlive && (codec == null || !codec.overran());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Receiver ex = exchange;
        if (ex == null) {
            // Bytes on an idle pooled connection: the node is confused or closing; do not reuse.
            ReferenceCountUtil.release(msg);
            pool.discard(ctx.channel());
            return;
        }
        sawBytes = true;
        if (msg instanceof HttpResponse res) {
            keepAlive = ProxyHeaders.keepAlive(res);
        }
        LoopClock.enter(ctx.executor());
        try {
            lastReadNanos = LoopClock.nanoTime(ctx.executor());
            ex.onResponse((HttpObject) msg);
        } finally {
            LoopClock.exit();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) watchIdle(ctx); // added after the connect (behind TLS and ALPN)
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        watchIdle(ctx);
        ctx.fireChannelActive();
    }

    /** Replaced (a WebSocket tunnel takes the connection over): its idle rules are the tunnel's. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopIdleWatch();
    }

    private void stopIdleWatch() {
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
    }

    private void watchIdle(ChannelHandlerContext ctx) {
        if (idleNanos == 0 || idleCheck != null) return;
        lastReadNanos = ctx.executor().ticker().nanoTime();
        idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), idleNanos, TimeUnit.NANOSECONDS);
    }

    /** Closes a parked connection that read nothing for the idle timeout; else looks again when it could have. */
    private void checkIdle(ChannelHandlerContext ctx) {
        idleCheck = null;
        if (ctx.isRemoved() || !ctx.channel().isOpen()) return;
        long quiet = ctx.executor().ticker().nanoTime() - lastReadNanos;
        if (quiet >= idleNanos) {
            if (exchange == null) {
                ctx.close(); // idled out in the pool
                return;
            }
            quiet = 0; // lent: the exchange's own deadline rules; look again a whole timeout later
        }
        idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), idleNanos - quiet, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Receiver ex = exchange;
        if (ex != null) {
            LoopClock.enter(ctx.executor());
            try {
                ex.upstreamReadComplete();
            } finally {
                LoopClock.exit();
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Receiver ex = exchange;
        if (ex != null && ctx.channel().isWritable()) {
            ex.upstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2GoAwayFrame goAway) {
            goAway.release(); // only streams the node will not process hear of it
            fail(ctx, GONE_AWAY, false);
        } else if (evt instanceof Http2ResetFrame reset) {
            boolean refused = reset.errorCode() == Http2Error.REFUSED_STREAM.code();
            fail(ctx, refused ? REFUSED : new IOException("the node reset the stream ("
                    + errorName(reset.errorCode()) + ")"), !refused && sawBytes);
        } else {
            ReferenceCountUtil.release(evt);
        }
    }

    private void fail(ChannelHandlerContext ctx, IOException cause, boolean gotBytes) {
        Receiver ex = exchange;
        if (ex != null) {
            exchange = null;
            ex.upstreamFailed(cause, gotBytes);
        }
        ctx.close();
    }

    private static String errorName(long code) {
        Http2Error e = Http2Error.valueOf(code);
        return e == null ? "error " + code : e.name();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopIdleWatch();
        pool.closed(ctx.channel());
        Receiver ex = exchange;
        if (ex != null) {
            exchange = null;
            ex.upstreamFailed(CLOSED_EARLY, sawBytes);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Receiver ex = exchange;
        if (ex != null) {
            exchange = null;
            ex.upstreamFailed(cause, sawBytes);
        }
        ctx.close();
    }
}
