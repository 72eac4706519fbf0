package io.turnpike.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 connections from one event loop to one node ({@code protocol: h2 | h2c}): a lease gets a
 * stream, many streams share a connection up to the node's {@code SETTINGS_MAX_CONCURRENT_STREAMS},
 * another connection is opened when all are full (up to {@code pool.maxPerNode}), and a
 * connection that got GOAWAY takes no new stream and closes with its last one. Streams wait for a
 * connection's first SETTINGS, so the node's limit is known before it is used. Loop-confined.
 */
final class H2Pool {
    private static final int MAX_HEADER_LIST_BYTES = 64 * 1024;

    /** The node may not open streams towards the gateway (push is off): any it tries is closed. */
    @ChannelHandler.Sharable
    private static final class RefuseInbound extends ChannelInboundHandlerAdapter {
        static final RefuseInbound INSTANCE = new RefuseInbound();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    private record Waiter(Lease lease, int connectTimeoutMillis) {}

    private final NodePool owner;
    private final Bootstrap bootstrap;
    private final Node node;
    private final UpstreamPipeline pipeline;
    private final List<H2Connection> connections = new ArrayList<>(2);
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int connecting; // connections not ready yet
    private int maxConnections = 1;
    private long idleTimeoutMillis;

    H2Pool(NodePool owner, Bootstrap bootstrap, Node node, UpstreamPipeline pipeline) {
        this.owner = owner;
        this.bootstrap = bootstrap;
        this.node = node;
        this.pipeline = pipeline;
    }

    int open() { return connections.size(); }

    /** Lends a stream: on a connection with room at once, else once one has room or a new one is ready. */
    void acquire(Lease lease, int maxConnections, long idleTimeoutMillis, int connectTimeoutMillis) {
        this.maxConnections = maxConnections;
        this.idleTimeoutMillis = idleTimeoutMillis;
        H2Connection c = withRoom();
        if (c != null) {
            lend(c, lease);
            return;
        }
        waiters.add(new Waiter(lease, connectTimeoutMillis));
        serve();
    }

    void cancel(Lease lease) {
        waiters.removeIf(w -> w.lease == lease);
    }

    /** The first connection with room; connections made with another TLS (a reload) are retired. */
    private H2Connection withRoom() {
        ServiceTls tls = node.tls();
        for (int i = 0; i < connections.size(); i++) {
            H2Connection c = connections.get(i);
            if (c.tls() != tls && !c.retired()) c.retire();
            if (c.hasRoom()) return c;
        }
        return null;
    }

    private void serve() {
        while (!waiters.isEmpty()) {
            H2Connection c = withRoom();
            if (c == null) break;
            lend(c, waiters.poll().lease);
        }
        if (!waiters.isEmpty() && connecting == 0 && connections.size() < maxConnections) {
            connect(waiters.peek().connectTimeoutMillis);
        }
    }

    private void lend(H2Connection c, Lease lease) {
        boolean reused = c.streamOpened();
        recount(c);
        Future<Http2StreamChannel> f = new Http2StreamChannelBootstrap(c.channel())
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        pipeline.init(ch, owner);
                    }
                })
                .open();
        f.addListener(done -> {
            if (f.isSuccess()) {
                Http2StreamChannel stream = f.getNow();
                stream.closeFuture().addListener(closed -> streamClosed(c));
                lease.onConnection(stream, reused);
            } else {
                streamClosed(c);
                lease.onConnectFailure(f.cause());
            }
        });
    }

    private void streamClosed(H2Connection c) {
        c.streamClosed();
        if (!connections.contains(c)) return;
        recount(c);
        serve();
    }

    private void connect(int connectTimeoutMillis) {
        connecting++;
        ServiceTls tls = node.tls();
        int window = node.http2().initialWindowSize();
        H2Connection c = new H2Connection(this, tls);
        connections.add(c);
        node.pooled(1, 0);
        ChannelFuture f;
        try {
            f = bootstrap.clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            c.channel(ch);
                            if (tls != null) ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), node, connectTimeoutMillis));
                            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS));
                            if (tls == null) speakHttp2(ch, c, window); // else once ALPN said h2
                        }
                    })
                    .connect(node.address());
        } catch (RuntimeException e) {
            connectFailed(c, e);
            return;
        }
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                connectFailed(c, cf.cause() != null ? cf.cause() : new ConnectException("connect cancelled"));
                return;
            }
            cf.channel().closeFuture().addListener(closed -> closed(c));
            if (tls != null) {
                SslHandler ssl = cf.channel().pipeline().get(SslHandler.class);
                ssl.handshakeFuture().addListener(hf -> {
                    if (!hf.isSuccess()) {
                        c.fail(TlsHandshakeFailure.of(node, tls.nameFor(node), hf.cause()));
                    } else if (!ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                        c.fail(new ConnectException(node.url() + " did not agree to HTTP/2 (ALPN h2)"));
                    } else if (cf.channel().isActive()) {
                        speakHttp2(cf.channel(), c, window);
                    }
                });
            }
        });
    }

    /**
     * The HTTP/2 layers: the frame codec (it sends the preface, with {@code window} as each stream's
     * initial window, and grows the connection's window to match), the connection's state, the streams.
     */
    private static void speakHttp2(Channel ch, H2Connection c, int window) {
        ch.pipeline()
          .addLast("h2", Http2FrameCodecBuilder.forClient()
                  .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(MAX_HEADER_LIST_BYTES)
                          .initialWindowSize(window))
                  .build())
          .addLast("h2-connection", c)
          .addLast("streams", new Http2MultiplexHandler(RefuseInbound.INSTANCE));
    }

    /** The connection never opened: those waiting for it hear why (the next node may serve them). */
    private void connectFailed(H2Connection c, Throwable cause) {
        if (!connections.remove(c)) return;
        node.pooled(-1, 0);
        connecting--;
        failWaiters(cause);
    }

    private void failWaiters(Throwable cause) {
        List<Waiter> failed = new ArrayList<>(waiters);
        waiters.clear();
        for (Waiter w : failed) w.lease.onConnectFailure(cause);
    }

    /** The node's SETTINGS arrived (the first make the connection ready) or a stream ended. */
    void roomMade(H2Connection c, boolean first) {
        if (first) connecting--;
        recount(c);
        serve();
    }

    /** GOAWAY: no new streams here; those waiting go to another connection. */
    void goneAway(H2Connection c) {
        recount(c);
        if (c.streams() == 0) c.channel().close();
        serve();
    }

    /** Called once per connection that connected, when it closes, whoever closed it. */
    void closed(H2Connection c) {
        if (!connections.remove(c)) return;
        node.pooled(-1, c.countedIdle() ? -1 : 0);
        if (!c.ready()) {
            connecting--;
            failWaiters(c.failure() != null ? c.failure()
                    : new ConnectException("the connection to " + node.url() + " closed before HTTP/2 began"));
        } else {
            serve();
        }
    }

    /** Keeps the node's idle gauge: a ready connection without streams counts as idle. */
    private void recount(H2Connection c) {
        boolean idle = c.ready() && !c.retired() && c.streams() == 0;
        if (idle != c.countedIdle()) {
            c.countedIdle(idle);
            node.pooled(0, idle ? 1 : -1);
        }
    }

    /** Closes the connections no stream uses (shutdown, or its node left the config). */
    void closeIdle() {
        for (H2Connection c : List.copyOf(connections)) {
            if (c.streams() == 0 && c.channel() != null) c.channel().close();
        }
    }
}
