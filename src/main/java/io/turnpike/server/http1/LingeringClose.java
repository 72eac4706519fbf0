package io.turnpike.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection after a last answer without losing that answer, as nginx's
 * {@code lingering_close} does. Closing a socket whose receive buffer still holds bytes (the rest
 * of an upload the gateway refused) sends a reset instead of a FIN, and a reset cuts the client's
 * upload short and can make its stack drop the answer before it is read. So the gateway shuts
 * down its output once the answer is written, then reads and discards whatever still comes, and
 * closes when the client closes, after {@link #IDLE_NANOS} without a byte, {@link #TOTAL_NANOS}
 * after the answer, or past {@link #MAX_BYTES} discarded: a client cannot hold the connection
 * open by sending forever.
 */
public final class LingeringClose extends ChannelInboundHandlerAdapter {
    /** Longest the gateway keeps reading after the answer (nginx: lingering_time 30s). */
    static final long TOTAL_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Longest pause in what the client sends before the gateway closes (nginx: lingering_timeout 5s). */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Most bytes discarded; an upload of the default maxBodyBytes (10 MiB) mostly fits. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private ChannelHandlerContext ctx;
    private long startNanos;
    private long lastReadNanos;
    private long discarded;
    private ScheduledFuture<?> timer;

    private LingeringClose() {}

    /**
     * Closes {@code ch} once {@code answered} (the write of the last answer) is done, lingering as
     * above. From now on nothing the client sends reaches the handlers behind this one.
     */
    public static void after(Channel ch, ChannelFuture answered) {
        if (!(ch instanceof DuplexChannel) || !ch.isActive()) {
            answered.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (ch.pipeline().get(LingeringClose.class) != null) return; // already on its way out
        LingeringClose linger = new LingeringClose();
        ch.pipeline().addFirst("linger", linger);
        ch.config().setAutoRead(true); // back-pressure may have paused reading; the kernel buffer must drain
        answered.addListener(linger::answered);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        startNanos = ctx.executor().ticker().nanoTime();
        lastReadNanos = startNanos;
        schedule(IDLE_NANOS);
    }

    private void answered(io.netty.util.concurrent.Future<? super Void> f) {
        Channel ch = ctx.channel();
        if (!f.isSuccess() || !ch.isActive()) {
            ch.close();
            return;
        }
        ((DuplexChannel) ch).shutdownOutput().addListener(s -> {
            if (!s.isSuccess()) ch.close();
        });
    }

    private void schedule(long delayNanos) {
        timer = ctx.executor().schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** One timer for both limits, re-armed lazily rather than on every read. */
    private void onTimer() {
        timer = null;
        if (!ctx.channel().isActive()) return;
        long now = ctx.executor().ticker().nanoTime();
        long idleLeft = lastReadNanos + IDLE_NANOS - now;
        long totalLeft = startNanos + TOTAL_NANOS - now;
        if (idleLeft <= 0 || totalLeft <= 0) {
            ctx.close();
        } else {
            schedule(Math.min(idleLeft, totalLeft));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) discarded += b.readableBytes();
        ReferenceCountUtil.release(msg);
        lastReadNanos = ctx.executor().ticker().nanoTime();
        if (discarded > MAX_BYTES) ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Nothing was passed on, so there is nothing to complete behind this handler.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset from the client while lingering: nothing left to do
    }
}
