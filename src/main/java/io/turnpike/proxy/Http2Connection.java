package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.turnpike.config.Http2Settings;
import io.turnpike.server.http2.RequestPseudoHeaders;
import io.turnpike.server.http2.StreamIdentifiers;
import io.turnpike.config.Limits;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's HTTP/2 connection: Netty's frame codec (framing, HPACK, flow control, stream states)
 * with its flood limits on, and one {@link Http2Stream} child channel per stream. Two checks of
 * RFC 9113 the codec leaves out come around it: {@link StreamIdentifiers} before it, and
 * {@link RequestPseudoHeaders} first in each stream. The connection
 * closes (GOAWAY, then close once its streams are done) after {@code idleTimeout} without an open
 * stream, and when the gateway drains; with open streams, it closes when answers wait on the
 * client's flow-control windows and almost nothing was written for {@code idleTimeout}. At {@code http2Limits.maxStreamsPerConnection} streams it
 * says GOAWAY (NO_ERROR, naming the last stream it takes) and closes once the streams it took are
 * done.
 */
public final class Http2Connection extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(Http2Connection.class);
    private static final RequestPseudoHeaders PSEUDO_HEADERS = new RequestPseudoHeaders();
    private static final Http2StreamFrameToHttpObjectCodec FRAMES_TO_HTTP = new FramesToHttp();

    /** Less than this written in a whole idle time, while answers wait, is a client taking nothing. */
    private static final long MIN_PROGRESS_BYTES = 1024;

    private final Http2FrameCodec codec;
    private final int maxStreams;
    private final Written written = new Written();
    private final long stallNanos;
    private ChannelHandlerContext ctx;
    private int streams;
    private boolean goingAway;
    private boolean watching;
    private long writtenAtLastLook;

    private Http2Connection(Http2FrameCodec codec, int maxStreams, long stallNanos) {
        this.codec = codec;
        this.maxStreams = maxStreams;
        this.stallNanos = stallNanos;
    }

    /** The bytes of every frame the codec writes, counted on their way to the socket. */
    private static final class Written extends ChannelOutboundHandlerAdapter {
        long bytes;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b) bytes += b.readableBytes();
            ctx.write(msg, promise);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * A stream opened. The one that reaches {@code maxStreamsPerConnection} is the last: GOAWAY
     * names it, the client opens its next streams on a new connection, and the connection closes
     * when the streams it has are done (nginx's {@code keepalive_requests} for HTTP/2).
     */
    private void streamOpened() {
        if (maxStreams > 0 && ++streams == maxStreams) {
            goingAway = true;
            ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        }
        if (!watching) {
            watching = true;
            writtenAtLastLook = written.bytes;
            ctx.executor().schedule(this::lookForAStall, stallNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Every idle time while streams are open: a connection whose answers wait on the client's
     * flow-control windows, and that wrote almost nothing since the last look, is closed. Such a
     * client (windows left at zero, perhaps with a PING now and then to look alive) would otherwise
     * hold every answer it asked for, up to one upstream read per stream, for as long as it likes:
     * HTTP/2's "internal data buffering" attack (CVE-2019-9517). nginx's {@code send_timeout}.
     */
    private void lookForAStall() {
        if (!ctx.channel().isActive()) return;
        if (idle()) {
            watching = false;
            return;
        }
        long progress = written.bytes - writtenAtLastLook;
        writtenAtLastLook = written.bytes;
        if (progress < MIN_PROGRESS_BYTES && answersWait()) {
            log.info(
                    "closing the HTTP/2 connection of {}: its answers waited on its flow-control windows for {} ms",
                    ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toMillis(stallNanos));
            ctx.close(); // the codec says GOAWAY first
            return;
        }
        ctx.executor().schedule(this::lookForAStall, stallNanos, TimeUnit.NANOSECONDS);
    }

    /** Some open stream has DATA the client's windows keep back. */
    private boolean answersWait() {
        var flow = codec.connection().remote().flowController();
        boolean[] any = {false};
        try {
            codec.connection().forEachActiveStream(stream -> {
                any[0] = flow.hasFlowControlled(stream);
                return !any[0];
            });
        } catch (Http2Exception e) {
            return false; // the visitor throws nothing
        }
        return any[0];
    }

    /** Installs the HTTP/2 handlers at the end of {@code p}. */
    static void install(ChannelPipeline p, ProxyContext context, Limits limits, Http2Settings h2) {
        io.netty.handler.codec.http2.Http2Settings settings = io.netty.handler.codec.http2.Http2Settings.defaultSettings()
                .maxConcurrentStreams(h2.maxConcurrentStreams())
                .initialWindowSize(h2.initialWindowSize())
                .maxHeaderListSize(limits.maxHeaderBytes());
        Http2FrameCodec codec = new ServerCodecBuilder()
                .initialSettings(settings)
                .validateHeaders(true)
                // Each answer's X-Request-Id is new: indexed, it would evict an entry of the HPACK table
                // (ours and the client's) on every response. Sent as a literal never indexed instead.
                .headerSensitivityDetector((name, value) -> ProxyHeaders.X_REQUEST_ID.contentEqualsIgnoreCase(name))
                // Rapid Reset (CVE-2023-44487) and MadeYouReset (CVE-2025-55163): too many resets, by the
                // client or provoked by it, close the connection with ENHANCE_YOUR_CALM.
                .decoderEnforceMaxRstFramesPerWindow(h2.maxResetsPerWindow(), h2.resetWindowSeconds())
                .encoderEnforceMaxRstFramesPerWindow(h2.maxResetsPerWindow(), h2.resetWindowSeconds())
                // CONTINUATION floods: a header block split into many tiny frames closes the connection.
                .decoderEnforceMaxSmallContinuationFrames(16)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
                .build();
        // A stream's answer is flushed when its upstream read ends, one write per stream; held until
        // the loop's pass ends, the answers that arrived in one pass leave in one write.
        p.addLast("h2-flush", new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        p.addLast("h2-ids", new StreamIdentifiers()); // the codec forgets closed streams
        Http2Connection connection = new Http2Connection(codec, h2.maxStreamsPerConnection(), limits.idleTimeout().toNanos());
        p.addLast("h2-written", connection.written);
        p.addLast("h2", codec);
        p.addLast("h2-idle", new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("h2-connection", connection);
        p.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                connection.streamOpened();
                ch.pipeline().addLast(PSEUDO_HEADERS, FRAMES_TO_HTTP, new Http2Stream(context, limits));
            }
        }));
    }

    /**
     * {@code Http2FrameCodecBuilder.forServer()}, but the streams share the client's connection window
     * evenly: clients no longer send priorities (RFC 9113 5.3.2), and the weighted tree Netty keeps for
     * them by default costs each stream a place in a priority queue, updated on every write.
     */
    private static final class ServerCodecBuilder extends Http2FrameCodecBuilder {
        ServerCodecBuilder() {
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
            connection.remote().flowController(
                    new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
            connection(connection);
            gracefulShutdownTimeoutMillis(0); // as forServer()
        }
    }

    /**
     * Netty's frame-to-HTTP/1 codec, but a request that ends with its HEADERS (a GET) comes as a whole
     * request without taking a pooled buffer for its empty body.
     */
    private static final class FramesToHttp extends Http2StreamFrameToHttpObjectCodec {
        FramesToHttp() {
            super(true);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, java.util.List<Object> out) throws Exception {
            if (frame instanceof Http2HeadersFrame f && f.isEndStream() && f.headers().method() != null && f.headers().status() == null) {
                HttpRequest head = HttpConversionUtil.toHttpRequest(f.stream() == null ? 0 : f.stream().id(), f.headers(), true);
                out.add(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), Unpooled.EMPTY_BUFFER,
                        head.headers(), EmptyHttpHeaders.INSTANCE));
                return;
            }
            super.decode(ctx, frame, out);
        }
    }

    /** True when no stream is open (safe to close while draining). */
    public boolean idle() {
        return codec.connection().numActiveStreams() == 0;
    }

    /**
     * One stream's error goes to that stream (the codec resets it; the connection serves on). A
     * connection error is the codec's to answer: it is told before it sends GOAWAY with the error's
     * code and closes, so closing here would say GOAWAY NO_ERROR first. Anything else closes the
     * connection. One line, no stack: a protocol error is the client's doing, not the gateway's.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        log.info("closing the HTTP/2 connection of {}: {}",
                ctx.channel().remoteAddress(), cause.getMessage());
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (goingAway && evt instanceof Http2FrameStreamEvent e && e.type() == Http2FrameStreamEvent.Type.State
                && e.stream().state() == io.netty.handler.codec.http2.Http2Stream.State.CLOSED && idle()) {
            ctx.fireUserEventTriggered(evt);
            ctx.close(); // GOAWAY was said: the last stream the connection took is done
            return;
        }
        if (evt instanceof IdleStateEvent && idle()) {
            ctx.close(); // the codec says GOAWAY first
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
