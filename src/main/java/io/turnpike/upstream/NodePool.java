package io.turnpike.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.turnpike.config.ServiceSpec;
import java.net.ConnectException;
import java.util.ArrayDeque;

/**
 * Keep-alive connections from one event loop to one node. Only that loop touches it, so it needs
 * no locks. Idle connections are reused newest first (warm, least likely closed by the node).
 */
public final class NodePool {
    /** The TLS a connection was made with; null for plaintext. */
    private static final AttributeKey<ServiceTls> TLS = AttributeKey.valueOf(NodePool.class, "tls");
    private static final String TLS_HANDLER = "tls";

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Node node;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;
    private int maxPerNode = ServiceSpec.Pool.DEFAULT.maxPerNode();
    private long idleTimeoutMillis = ServiceSpec.Pool.DEFAULT.idleTimeout().toMillis();

    NodePool(EventLoop loop, Bootstrap bootstrap, Node node) {
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.node = node;
    }

    private record Waiter(Lease lease, int connectTimeoutMillis) {}

    public Node node() { return node; }
    public EventLoop loop() { return loop; }
    /** Connections open or being opened (HTTP/1.1 and HTTP/2 alike). */
    public int open() { return open + (h2 == null ? 0 : h2.open()); }
    public int idle() { return idle.size(); }
    /** How long a pooled connection may idle before it is closed (the service's current setting). */
    public long idleTimeoutMillis() { return idleTimeoutMillis; }

    /**
     * Lends a connection: an idle one at once, else a new one, else (at the limit) the next one
     * released. Must be called on {@link #loop()}.
     */
    public void acquire(Lease lease, ServiceSpec.Pool settings, int connectTimeoutMillis) {
        maxPerNode = settings.maxPerNode();
        idleTimeoutMillis = settings.idleTimeout().toMillis();
        if (node.protocol().multiplexed()) {
            // HTTP/2: the lease gets a stream of a shared connection; the engine drives it like a connection
            if (h2 == null) h2 = new H2Pool(this, bootstrap, node, pipeline);
            h2.acquire(lease, maxPerNode, idleTimeoutMillis, connectTimeoutMillis);
            return;
        }
        Channel ch;
        while ((ch = idle.pollLast()) != null) {
            node.pooled(0, -1);
            // A reload that changed the scheme or the TLS settings retires connections made with the old ones.
            if (ch.isActive() && ch.attr(TLS).get() == node.tls()) {
                lease.onConnection(ch, true);
                return;
            }
            ch.close(); // closed() accounts for it when it goes inactive
        }
        if (open < maxPerNode) {
            connect(lease, connectTimeoutMillis);
        } else {
            waiters.add(new Waiter(lease, connectTimeoutMillis));
        }
    }

    /** Takes back a lease that no longer wants a connection (its request ended while waiting). */
    public void cancel(Lease lease) {
        waiters.removeIf(w -> w.lease == lease);
        if (h2 != null) h2.cancel(lease);
    }

    private void connect(Lease lease, int connectTimeoutMillis) {
        open++;
        node.pooled(1, 0);
        ServiceTls tls = node.tls();
        ChannelFuture f;
        try {
            f = bootstrap.clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                    .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            pipeline.init(ch, NodePool.this);
                            if (tls != null) {
                                ch.attr(TLS).set(tls);
                                ch.pipeline().addFirst(TLS_HANDLER, tls.newHandler(ch.alloc(), node, connectTimeoutMillis));
                            }
                        }
                    })
                    .connect(node.address());
        } catch (RuntimeException e) {
            open--;
            node.pooled(-1, 0);
            lease.onConnectFailure(e);
            return;
        }
        f.addListener((ChannelFuture cf) -> {
            if (cf.isSuccess() && tls != null) {
                handshake(cf.channel(), tls, lease);
            } else if (cf.isSuccess()) {
                lease.onConnection(cf.channel(), false);
            } else {
                open--;
                node.pooled(-1, 0);
                Throwable cause = cf.cause() != null ? cf.cause() : new ConnectException("connect cancelled");
                lease.onConnectFailure(cause);
                serveWaiter();
            }
        });
    }

    /**
     * A TLS connection is lent only once its handshake succeeded. A failed one closes the channel
     * ({@link #closed} accounts for it) and reaches the lease as a connect failure naming the node.
     */
    private void handshake(Channel ch, ServiceTls tls, Lease lease) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        ssl.handshakeFuture().addListener(hf -> {
            if (hf.isSuccess()) {
                lease.onConnection(ch, false);
            } else {
                ch.close();
                lease.onConnectFailure(TlsHandshakeFailure.of(node, tls.nameFor(node), hf.cause()));
            }
        });
    }

    private UpstreamPipeline pipeline;
    private H2Pool h2; // made on the first request while the node speaks HTTP/2

    void pipeline(UpstreamPipeline p) { this.pipeline = p; }

    /** Returns a healthy keep-alive connection after a complete exchange. */
    public void release(Channel ch) {
        if (ch instanceof Http2StreamChannel) {
            ch.close(); // a stream serves one request; its connection is the pool's
            return;
        }
        if (!ch.isActive()) {
            discard(ch);
            return;
        }
        Waiter w = waiters.poll();
        if (w != null) {
            w.lease.onConnection(ch, true);
            return;
        }
        if (open > maxPerNode) { // the limit was lowered by a reload
            ch.close();
            return;
        }
        idle.addLast(ch);
        node.pooled(0, 1);
    }

    /** A connection that cannot be reused (broken, or mid-message): close it; {@link #closed} accounts for it. */
    public void discard(Channel ch) {
        if (ch instanceof Http2StreamChannel) {
            ch.close(); // resets the stream when it is still open; the connection stays
            return;
        }
        if (idle.remove(ch)) node.pooled(0, -1);
        ch.close();
    }

    /**
     * A lent connection leaves the pool for good (switched to another protocol): it no longer counts
     * against {@code maxPerNode}, and its new owner does not report its close to {@link #closed}.
     */
    public void handOver(Channel ch) {
        open--;
        node.pooled(-1, 0);
        serveWaiter();
    }

    /** Called once per connection, when it becomes inactive, whoever closed it. */
    public void closed(Channel ch) {
        if (ch instanceof Http2StreamChannel) return; // H2Pool accounts for its streams and connections
        node.pooled(-1, idle.remove(ch) ? -1 : 0);
        open--;
        serveWaiter();
    }

    /** True when the connection is parked in the pool (not lent to a request). */
    public boolean isIdle(Channel ch) {
        return idle.contains(ch);
    }

    private void serveWaiter() {
        if (!waiters.isEmpty() && open < maxPerNode) {
            Waiter w = waiters.poll();
            connect(w.lease, w.connectTimeoutMillis);
        }
    }

    /** Closes idle connections (shutdown). */
    void closeIdle() {
        Channel ch;
        while ((ch = idle.poll()) != null) {
            node.pooled(0, -1);
            ch.close();
        }
        if (h2 != null) h2.closeIdle();
    }
}
