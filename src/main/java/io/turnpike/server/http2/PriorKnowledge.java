package io.turnpike.server.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.CharsetUtil;
import java.util.function.Consumer;

/**
 * The first handler of a plaintext connection when HTTP/2 is on: it looks at the first bytes, and
 * a client that opens with the HTTP/2 connection preface (prior knowledge, RFC 9113 3.3) gets the
 * HTTP/2 pipeline; any other gets HTTP/1.1. An HTTP/1.1 {@code Upgrade: h2c} is never honoured:
 * h2c is prior knowledge only. Bytes read while deciding are passed on to the chosen pipeline.
 */
public final class PriorKnowledge extends ChannelInboundHandlerAdapter {
    private static final ByteBuf PREFACE = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", CharsetUtil.US_ASCII)).asReadOnly();

    private final Consumer<ChannelPipeline> http1;
    private final Consumer<ChannelPipeline> http2;
    private final long decideWithinNanos;
    private ByteBuf seen;
    private io.netty.util.concurrent.ScheduledFuture<?> timer;

    /**
     * Each installs its protocol's handlers at the end of the pipeline; a client that sends too
     * little to tell within {@code decideWithin} (the header timeout) is closed.
     */
    public PriorKnowledge(Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2,
            java.time.Duration decideWithin) {
        this.http1 = http1;
        this.http2 = http2;
        this.decideWithinNanos = decideWithin.toNanos();
    }

    /** Held back: the protocol's handlers, added once it is known, see the channel become active then. */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, decideWithinNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        seen = seen == null ? in : Unpooled.wrappedBuffer(seen, in);
        int n = Math.min(seen.readableBytes(), PREFACE.readableBytes());
        boolean sameSoFar = ByteBufUtil.equals(seen, seen.readerIndex(), PREFACE, 0, n);
        if (sameSoFar && n < PREFACE.readableBytes()) return; // wait for the rest of the preface
        ByteBuf first = seen;
        seen = null;
        if (timer != null) timer.cancel(false);
        (sameSoFar ? http2 : http1).accept(ctx.pipeline());
        ctx.fireChannelActive();
        ctx.fireChannelRead(first);
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (seen == null) ctx.fireChannelReadComplete(); // else still deciding; the chosen pipeline gets it later
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) timer.cancel(false);
        if (seen != null) {
            seen.release();
            seen = null;
        }
    }
}
