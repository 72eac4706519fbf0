package io.turnpike.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.upstream.NodePool;
import java.io.IOException;

/**
 * The end of an upstream connection: hands response parts to the exchange it is lent to, and
 * looks after the connection while it idles in its pool.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final IOException CLOSED_EARLY = new IOException("upstream closed the connection");

    /** Who a lent connection reports to: a proxied exchange, or one call of an aggregation. */
    interface Receiver {
        void onResponse(HttpObject msg);

        void upstreamReadComplete();

        void upstreamWritable();

        void upstreamFailed(Throwable cause, boolean gotBytes);
    }

    private final NodePool pool;
    private Receiver exchange;
    private boolean reused;
    private boolean sawBytes;
    private boolean keepAlive;

    UpstreamHandler(NodePool pool) {
        this.pool = pool;
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

    /** The node allows another request on this connection after the current response. */
    boolean reusableAfter() {
        return keepAlive;
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
            keepAlive = HttpUtil.isKeepAlive(res);
        }
        ex.onResponse((HttpObject) msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Receiver ex = exchange;
        if (ex != null) {
            ex.upstreamReadComplete();
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
        if (evt instanceof IdleStateEvent && exchange == null) {
            ctx.close(); // idled out in the pool
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
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
