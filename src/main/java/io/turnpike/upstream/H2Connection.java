package io.turnpike.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * One HTTP/2 connection to a node, as its {@link H2Pool} sees it: how many streams the node allows
 * at once (its {@code SETTINGS_MAX_CONCURRENT_STREAMS}), how many are lent, and whether it may
 * take new ones (not after a GOAWAY). Sits between the frame codec and the multiplexer, so it
 * hears SETTINGS and GOAWAY before any stream does: a stream the GOAWAY turns away is tried again
 * on another connection, never on this one. Confined to the pool's event loop.
 */
final class H2Connection extends ChannelInboundHandlerAdapter {
    private final H2Pool pool;
    private final ServiceTls tls;
    private Channel channel;
    private Throwable failure; // why it closed before it was ready, when known
    private boolean countedIdle;
    private long maxStreams = Long.MAX_VALUE; // until the node's SETTINGS say otherwise
    private boolean ready; // the node's first SETTINGS arrived
    private boolean goAway;
    private int streams;
    private long served;

    H2Connection(H2Pool pool, ServiceTls tls) {
        this.pool = pool;
        this.tls = tls;
    }

    void channel(Channel ch) {
        channel = ch;
    }

    Channel channel() { return channel; }
    ServiceTls tls() { return tls; }
    boolean ready() { return ready; }
    int streams() { return streams; }

    /** May carry one more stream now. */
    boolean hasRoom() {
        return ready && !goAway && channel != null && channel.isActive() && streams < maxStreams;
    }

    /** Closes it before it was ready, saying why (a failed handshake, a refused protocol). */
    void fail(Throwable cause) {
        failure = cause;
        channel.close();
    }

    Throwable failure() { return failure; }

    /** Whether the node's gauges count it idle (ready, no stream), and the new say. */
    boolean countedIdle() { return countedIdle; }
    void countedIdle(boolean idle) { countedIdle = idle; }

    /** Takes no new streams: the node said GOAWAY, or a reload changed how its node is reached. */
    void retire() {
        goAway = true;
        if (streams == 0 && channel != null) channel.close();
    }

    boolean retired() { return goAway; }

    /** A stream is lent; returns true when it is not the connection's first. */
    boolean streamOpened() {
        streams++;
        return served++ > 0;
    }

    /** A lent stream closed; returns true when the connection is now unused. */
    boolean streamClosed() {
        streams--;
        if (streams == 0 && goAway) channel.close();
        return streams == 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2SettingsFrame s) {
            Long max = s.settings().maxConcurrentStreams();
            if (max != null) maxStreams = max;
            boolean first = !ready;
            ready = true;
            ctx.fireChannelRead(msg);
            pool.roomMade(this, first);
            return;
        }
        if (msg instanceof Http2GoAwayFrame) {
            goAway = true; // before the multiplexer tells the streams above its last-stream-id
            pool.goneAway(this);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (streams == 0) ctx.close(); // idled out in the pool
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException) {
            ctx.fireExceptionCaught(cause); // one stream's trouble: the multiplexer hands it to that stream
            return;
        }
        // The codec answered connection errors itself (GOAWAY); anything else ends the connection too.
        ctx.close();
    }
}
