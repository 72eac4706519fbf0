package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection after its handshake: the client's connection and the node's, both past
 * HTTP, relay bytes to each other. The gateway never decodes a message, so extensions such as
 * permessage-deflate, pings and close codes are the two ends' business; it only follows where
 * frames begin ({@link FrameEdges}) to put its own close (1001) between them when it idles out or
 * shuts down. A side is read only while its peer can take more; a close, reset or half-close of
 * one side reaches the other. Confined to the event loop both connections share.
 */
public final class WebSocketTunnel {
    /** Going Away (RFC 6455 7.4.1): the gateway shuts down, or the tunnel idled out. */
    static final int GOING_AWAY = 1001;
    /** How long the ends have to answer the gateway's close before their connections are cut. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final String HANDLER = "websocket";

    private final ProxyContext context;
    private final long idleNanos;
    private final Side client = new Side(false);
    private final Side node = new Side(true);
    private long activity;
    private int open = 2; // connections not yet closed
    private boolean goingAway;
    private ScheduledFuture<?> timer;

    private WebSocketTunnel(ProxyContext context, Duration idle) {
        this.context = context;
        this.idleNanos = idle.toNanos();
        client.peer = node;
        node.peer = client;
    }

    // ---- the handshake ---------------------------------------------------------------------------

    /**
     * An HTTP/1.1 WebSocket opening handshake (RFC 6455 4.1): GET without a body, {@code Upgrade:
     * websocket}, {@code Connection: upgrade}, a key and version 13. Read before the hop-by-hop
     * headers are stripped.
     */
    static boolean isHandshake(HttpRequest req) {
        HttpHeaders h = req.headers();
        return h.contains(HttpHeaderNames.UPGRADE) // first: most requests have none, and it is one lookup
                && HttpMethod.GET.equals(req.method()) && HttpVersion.HTTP_1_1.equals(req.protocolVersion())
                && req.decoderResult().isSuccess()
                && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && h.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)
                && "13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))
                && !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0;
    }

    /** The handshake goes on to the node: the hop-by-hop pair that asks for the switch, put back. */
    static void forwardHandshake(HttpHeaders h) {
        h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }

    /**
     * The node's 101 switches to WebSocket if it proves it read the handshake: {@code Upgrade:
     * websocket} and the {@code Sec-WebSocket-Accept} that answers the client's key (RFC 6455 4.2.2).
     * A 101 from something that did not (an endpoint that echoes a status it is given) would open a
     * raw tunnel to a node still speaking HTTP, past every check of the gateway. Its head is made the
     * client's: hop-by-hop headers out but the switch's own pair, the {@code Sec-WebSocket-*}
     * answers (accept, protocol, extensions) as the node gave them.
     */
    static boolean accept(HttpResponse res, String key) {
        HttpHeaders h = res.headers();
        if (!h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) return false;
        if (key == null || !acceptFor(key).equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT))) return false;
        ProxyHeaders.stripHopByHop(h);
        forwardHandshake(h);
        res.setProtocolVersion(HttpVersion.HTTP_1_1);
        return true;
    }

    /** {@code Sec-WebSocket-Accept} for a key: base64 of the SHA-1 of the key and RFC 6455's GUID. */
    static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key.strip() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required algorithm of every JDK", e);
        }
    }

    /**
     * Takes both connections past HTTP: the node's (lent by {@link UpstreamRequest#takeOver}, inside
     * the read that brought the 101) and the client's, which gets the 101. Bytes either side had
     * already sent past the handshake follow into the tunnel.
     */
    static void open(Downstream down, Channel nodeChannel, HttpResponse switching, Duration idle) {
        WebSocketTunnel t = new WebSocketTunnel(down.context(), idle);
        var p = nodeChannel.pipeline();
        UpstreamCodec codec = UpstreamCodec.in(p);
        codec.removeEncoder(p); // bytes the client sent past its handshake go out raw
        p.replace(UpstreamHandler.class, HANDLER, t.node); // its pool idle watch ends with it
        Channel clientChannel = down.switchProtocols(switching, t.client);
        if (clientChannel == null) {
            nodeChannel.close();
            down.reset();
            return;
        }
        codec.removeDecoder(p); // what the node sent past its 101 goes to the client, after it
        t.start();
    }

    private void start() {
        context.webSocketOpened();
        Channel[] both = {client.ch, node.ch};
        for (Channel ch : both) {
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            ch.config().setAutoRead(true);
            ch.closeFuture().addListener(f -> closed());
        }
        activity = now();
        if (idleNanos > 0) timer = client.ch.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    }

    private long now() {
        return client.ch.eventLoop().ticker().nanoTime();
    }

    // ---- idling out and shutting down ------------------------------------------------------------

    private void checkIdle() {
        timer = null;
        if (open < 2 || goingAway) return;
        long quiet = now() - activity;
        if (quiet >= idleNanos) {
            goAway();
        } else {
            timer = client.ch.eventLoop().schedule(this::checkIdle, idleNanos - quiet, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * While the gateway drains: the tunnel on this client connection (if it is one) closes with
     * 1001 to both ends. Any thread.
     */
    public static void goAway(Channel clientChannel) {
        clientChannel.eventLoop().execute(() -> {
            if (clientChannel.pipeline().get(HANDLER) instanceof Side s) s.tunnel().goAway();
        });
    }

    /**
     * Each end gets a close frame (1001) at its next frame edge and then the end of the stream;
     * the connections close when the ends answer, or after a grace.
     */
    private void goAway() {
        if (goingAway || open < 2) return;
        goingAway = true;
        if (timer != null) timer.cancel(false);
        timer = client.ch.eventLoop().schedule(this::cut, CLOSE_GRACE_NANOS, TimeUnit.NANOSECONDS);
        client.closeAtEdge();
        node.closeAtEdge();
    }

    private void cut() {
        client.ch.close();
        node.ch.close();
    }

    private void closed() {
        if (--open > 0) return;
        if (timer != null) timer.cancel(false);
        context.webSocketClosed();
    }

    /** One connection of the tunnel; what it reads goes to its peer. */
    private final class Side extends ChannelInboundHandlerAdapter {
        private final boolean toNode; // frames the gateway writes to a node are masked, as a client's
        private final FrameEdges out = new FrameEdges(); // the frames written to this side
        private Side peer;
        private Channel ch;
        private boolean closeWanted;
        private boolean closeSent;
        private boolean inputShut;

        Side(boolean toNode) {
            this.toNode = toNode;
        }

        WebSocketTunnel tunnel() {
            return WebSocketTunnel.this;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ch = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg); // the empty end the node's decoder gave its 101
                return;
            }
            activity = now();
            peer.send(buf);
            if (!peer.ch.isWritable() && ch.config().isAutoRead()) ch.config().setAutoRead(false);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.ch.flush();
        }

        /** This side drained: its peer may be read again. */
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ch.isWritable() && !peer.ch.config().isAutoRead()) peer.ch.config().setAutoRead(true);
            ctx.fireChannelWritabilityChanged();
        }

        /** Bytes from the peer; while closing, only up to the edge of the frame under way. */
        private void send(ByteBuf buf) {
            if (closeSent || !ch.isActive()) {
                buf.release();
                return;
            }
            if (!closeWanted) {
                out.pass(buf);
                ch.write(buf, ch.voidPromise());
                return;
            }
            int n = out.toEdge(buf);
            if (n > 0) ch.write(buf.readRetainedSlice(n), ch.voidPromise());
            buf.release();
            if (out.atEdge()) sendClose();
        }

        private void closeAtEdge() {
            closeWanted = true;
            if (out.atEdge()) sendClose();
        }

        /** The gateway's close frame, then the end of this direction; the end answers and closes. */
        private void sendClose() {
            closeSent = true;
            ch.writeAndFlush(Unpooled.wrappedBuffer(FrameEdges.close(GOING_AWAY, toNode)))
                    .addListener((ChannelFutureListener) f -> shutdownOutput());
        }

        private void shutdownOutput() {
            if (ch instanceof DuplexChannel d && ch.isActive()) {
                d.shutdownOutput();
            } else {
                ch.close();
            }
        }

        /** The peer will send nothing more: so this side is told, once what it was sent is out. */
        private void finishOutput() {
            if (closeSent || !ch.isActive()) return;
            closeSent = true;
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> shutdownOutput());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputShut = true;
                if (peer.inputShut) {
                    flushAndClose(peer.ch);
                    flushAndClose(ch);
                } else {
                    peer.finishOutput();
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            flushAndClose(peer.ch); // a close or reset of one end ends the other, after what it was sent
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset, or a write that failed
        }
    }

    private static void flushAndClose(Channel ch) {
        if (ch.isActive()) ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
