package io.turnpike.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Limits;
import io.turnpike.config.ServerSettings;
import io.turnpike.metering.Quotas;
import io.turnpike.proxy.Http1Connection;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.proxy.ProxyContext;
import io.turnpike.proxy.ProxyPipelines;
import io.turnpike.server.http1.ServerCodec;
import io.turnpike.tls.CertificatePair;
import io.turnpike.tls.EdgeCertificates;
import io.turnpike.tls.EdgeTls;
import io.turnpike.proxy.WebSocketTunnel;
import io.turnpike.upstream.UpstreamPools;
import io.turnpike.upstream.discovery.Discovery;
import io.turnpike.upstream.health.HealthCheckers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the traffic listener and everything behind it.
 * {@link #apply} swaps the config atomically; requests in flight finish on the one they started with.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final Transport transport;
    private final EventLoopGroup workers;
    /**
     * Where the listeners accept. With one event loop, on that loop, as an nginx worker does: no
     * other thread to wake per new connection, and a burst of connections is accepted 16 at a time
     * between the loop's other events rather than by a thread the loop waits behind on its core.
     * With several, on a thread of its own, so that no one loop carries every connection's accept;
     * the connections are handed to the loops in turn.
     */
    private final EventLoopGroup acceptor;
    private final int loops;
    private final ProxyContext context;
    private volatile Serving serving;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connections = new AtomicInteger();
    private final AddressCounts perAddress = new AddressCounts();
    private final HealthCheckers healthCheckers = new HealthCheckers();
    private final Discovery discovery = new Discovery(this::rediscovered, System::nanoTime);
    private GatewayConfig config;
    private volatile Limits limits;
    private volatile io.turnpike.config.Http2Settings http2;
    private volatile Channel listener;
    private volatile Channel tlsListener;
    /** The TLS listener's certificates; null without {@code server.tls}. */
    private final EdgeCertificates certificates;
    private volatile boolean stopped;
    /** The self-warm-up under way or done; null without {@code server.warmup}. */
    private volatile Warmup warmup;
    /** False for the warm-up's own gateway, whose listener is nobody's business. */
    private boolean announce = true;

    private Gateway(GatewayConfig config, ExchangeObserver observer, Quotas quotas) {
        ServerSettings s = config.server();
        this.certificates = s.tls() == null ? null : loadCertificates(s.tls());
        this.transport = Transport.of(s.transport());
        this.loops = s.eventLoops() > 0 ? s.eventLoops() : Runtime.getRuntime().availableProcessors();
        this.workers = transport.group(loops, "turnpike-io");
        this.acceptor = loops == 1 ? workers : transport.group(1, "turnpike-accept");
        this.config = config;
        discovery.configure(config);
        this.serving = Serving.compile(discovery.withDiscovered(config), null,
                transport.name().equals("epoll") ? workers : null, quotas);
        this.context = new ProxyContext(serving.snapshot());
        this.context.pools(new UpstreamPools(workers, transport.channel(), ProxyPipelines.upstream()));
        this.context.observer(observer);
        observer.onSnapshot(serving);
        healthCheckers.apply(config.services(), serving.services());
        this.limits = s.limits();
        this.http2 = s.http2();
    }

    /** Binds the listener of {@code config.server()} and starts serving, observed by no one. */
    public static Gateway start(GatewayConfig config) throws InterruptedException {
        return start(config, ExchangeObserver.NONE);
    }

    /**
     * Binds the listener and starts serving; {@code observer} hears of every exchange and of every
     * snapshot applied. The caller owns the observer and closes it after {@link #shutdown}.
     */
    public static Gateway start(GatewayConfig config, ExchangeObserver observer) throws InterruptedException {
        return start(config, observer, null);
    }

    /** As {@link #start(GatewayConfig, ExchangeObserver)}, with routes refusing consumers over {@code quotas}. */
    public static Gateway start(GatewayConfig config, ExchangeObserver observer, Quotas quotas)
            throws InterruptedException {
        Gateway g = new Gateway(config, observer, quotas);
        try {
            g.bind(config.server());
        } catch (RuntimeException | InterruptedException e) {
            g.shutdown(Duration.ZERO);
            throw e;
        }
        if (!config.server().warmup().isZero()) {
            g.warmup = Warmup.start(config.server().warmup(), g.transport.name()); // as resolved, io_uring or not
        }
        return g;
    }

    /** The warm-up's gateway: observed by no one, its listener not announced. */
    static Gateway startQuietly(GatewayConfig config) throws InterruptedException {
        Gateway g = new Gateway(config, ExchangeObserver.NONE, null);
        g.announce = false;
        try {
            g.bind(config.server());
        } catch (RuntimeException | InterruptedException e) {
            g.shutdown(Duration.ZERO);
            throw e;
        }
        return g;
    }

    private static EdgeCertificates loadCertificates(io.turnpike.config.TlsSettings tls) {
        try {
            return EdgeCertificates.load(tls, java.time.Clock.systemUTC());
        } catch (CertificatePair.Invalid e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void bind(ServerSettings s) throws InterruptedException {
        io.turnpike.config.TlsSettings tls = s.tls();
        if (tls != null) {
            tlsListener = listen(tls.host(), tls.port(), true, -1);
            certificates.watch();
        }
        if (s.plaintext()) {
            // the TLS port as bound (the config may say 0)
            listener = listen(s.host(), s.port(), false, tls != null && tls.redirectHttp() ? tlsPort() : -1);
        }
    }

    /**
     * Binds one listener. Both feed the same HTTP/1.1 pipeline; the TLS one decrypts first.
     *
     * @param redirectTo the TLS port plaintext requests are redirected to, or -1 to serve them
     */
    private Channel listen(String host, int port, boolean tls, int redirectTo) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Limits l = limits;
                        if (connections.incrementAndGet() > l.maxConnections() || stopped) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        InetAddress ip = ch.remoteAddress() == null ? null : ch.remoteAddress().getAddress();
                        boolean perIp = l.maxConnectionsPerIp() > 0 && ip != null;
                        if (perIp && !perAddress.tryAcquire(ip, l.maxConnectionsPerIp())) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> {
                            connections.decrementAndGet();
                            if (perIp) perAddress.release(ip); // counted when the limit was on at accept
                        });
                        clients.add(ch);
                        if (redirectTo >= 0) {
                            ch.pipeline().addLast("timeout", new io.netty.handler.timeout.ReadTimeoutHandler(
                                    l.headerTimeout().toMillis(), TimeUnit.MILLISECONDS));
                            new ServerCodec(decoderConfig(l), l, () -> { }).addTo(ch.pipeline())
                                    .addLast("redirect", new HttpsRedirect(redirectTo));
                            return;
                        }
                        if (tls) {
                            EdgeTls.init(ch, certificates, l.handshakeTimeout().toMillis());
                            ProxyPipelines.initTlsClient(ch, context, l, http2);
                        } else {
                            ProxyPipelines.initClient(ch, context, l, http2);
                        }
                    }
                });
        Channel bound = b.bind(new InetSocketAddress(host, port)).sync().channel();
        InetSocketAddress at = (InetSocketAddress) bound.localAddress();
        if (announce) log.info("turnpike listening on {}:{}{} ({}, {} event loops)", at.getHostString(), at.getPort(),
                tls ? " with TLS (" + EdgeCertificates.engine() + ")" : redirectTo >= 0 ? " (redirecting to https)" : "", transport.name(), loops);
        return bound;
    }

    private static io.netty.handler.codec.http.HttpDecoderConfig decoderConfig(Limits l) {
        return new io.netty.handler.codec.http.HttpDecoderConfig()
                .setMaxInitialLineLength(l.maxUriBytes())
                .setMaxHeaderSize(l.maxHeaderBytes())
                .setStrictLineParsing(true);
    }

    /** The bound TLS port, or -1 without a TLS listener. */
    public int tlsPort() {
        Channel l = tlsListener;
        return l == null ? -1 : ((InetSocketAddress) l.localAddress()).getPort();
    }

    /** The TLS listener's certificates, or null when there is none. */
    public EdgeCertificates certificates() {
        return certificates;
    }

    /** The I/O transport the listeners and upstream connections run on: epoll, io_uring or nio. */
    String transportName() {
        return transport.name();
    }

    /** The bound plaintext port (useful when the config says port 0); the TLS one when only TLS listens. */
    public int port() {
        Channel l = listener != null ? listener : tlsListener;
        return ((InetSocketAddress) l.localAddress()).getPort();
    }

    /** Whether the traffic listener is bound and accepting (false once shutdown began). */
    public boolean listening() {
        Channel l = listener != null ? listener : tlsListener;
        return !stopped && l != null && l.isActive();
    }

    /** False while the self-warm-up of {@code server.warmup} runs; true without one. */
    public boolean warm() {
        Warmup w = warmup;
        return w == null || w.done();
    }

    /** What the self-warm-up is doing or did, for {@code /ready}; null without one. */
    public String warmupDetail() {
        Warmup w = warmup;
        return w == null ? null : w.detail();
    }

    /** The snapshot now serving. */
    public Serving snapshot() {
        return serving;
    }

    /**
     * Replaces the running config. Listener settings (host, port, event loops, transport) need a restart;
     * the caller says so to the operator.
     */
    public synchronized void apply(GatewayConfig config) {
        this.config = config;
        discovery.configure(config);
        config = discovery.withDiscovered(config);
        Serving next = Serving.compile(config, serving);
        limits = config.server().limits();
        http2 = config.server().http2();
        // Unchanged settings leave the files to the watcher (an admin edit of a route reads no file).
        if (certificates != null && config.server().tls() != null
                && !config.server().tls().equals(certificates.settings())) {
            try {
                certificates.configure(config.server().tls());
            } catch (CertificatePair.Invalid e) {
                log.error("server.tls not applied: {}; the certificates served stay", e.getMessage());
            }
        }
        serving = next;
        context.snapshot(next.snapshot());
        context.pools().prune(next.nodes());
        healthCheckers.apply(config.services(), next.services());
        context.observer().onSnapshot(next);
    }

    /** The set of discovered or registered nodes changed: the same config, with the new nodes. */
    private void rediscovered() {
        synchronized (this) {
            if (!stopped) apply(config);
        }
    }

    /** DNS-discovered and self-registered nodes. */
    public Discovery discovery() {
        return discovery;
    }

    /** Requests in flight now. */
    public long inFlight() {
        return context.inFlight();
    }

    /** Stops accepting, lets requests in flight finish for up to {@code drain}, then closes. */
    public synchronized void shutdown(Duration drain) {
        if (stopped) return;
        stopped = true;
        if (warmup != null) warmup.close();
        healthCheckers.close();
        discovery.close();
        context.startDraining();
        if (listener != null) {
            listener.close().awaitUninterruptibly();
        }
        if (tlsListener != null) {
            tlsListener.close().awaitUninterruptibly();
        }
        if (certificates != null) certificates.close();
        closeIdleClients();
        long deadline = System.nanoTime() + drain.toNanos();
        while ((context.inFlight() > 0 || context.webSockets() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            closeIdleClients();
        }
        if (context.inFlight() > 0) {
            log.warn("drain limit reached with {} requests in flight; closing them", context.inFlight());
        }
        clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        context.pools().closeIdle();
        serving.rateLimiting().close(); // its Redis connection may live on a worker loop
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        if (acceptor != workers) acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        log.info("turnpike stopped");
    }

    /**
     * Connections between requests are closed at once while draining; busy ones close after their
     * response; WebSocket tunnels are closed (1001) at their next frame edge.
     */
    private void closeIdleClients() {
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> {
                Http1Connection h = ch.pipeline().get(Http1Connection.class);
                if (h != null && h.idle()) {
                    ch.close();
                } else if (ch.pipeline().get(io.turnpike.proxy.Http2Connection.class) != null) {
                    ch.close(); // GOAWAY now; the streams under way finish before the connection closes
                } else if (h == null) {
                    WebSocketTunnel.goAway(ch); // a tunnel: each end gets a close frame (1001)
                }
            });
        }
    }

    /**
     * Sets who hears about every finished exchange; {@code recordAttempts} makes exchanges keep
     * their upstream attempts (for span export).
     */
    public void observe(io.turnpike.core.ExchangeObserver observer, boolean recordAttempts) {
        context.observer(observer);
        context.tracing(recordAttempts);
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
