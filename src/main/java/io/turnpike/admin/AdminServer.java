package io.turnpike.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.turnpike.config.AdminSettings;
import io.turnpike.config.ConfigSources;
import io.turnpike.metering.Metering;
import io.turnpike.server.Gateway;
import io.turnpike.server.Transport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: {@code /health}, {@code /ready}, {@code /metrics}, the {@code /admin/*}
 * API and the dashboard at {@code /}, on its own port and its own single thread, so admin traffic never competes with the
 * gateway's event loops. Its address and token are read once at start.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_BODY = 1 << 20;
    private static final int IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    private final Channel listener;

    private AdminServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /**
     * Binds {@code sources.current().admin()} and starts answering.
     *
     * @param metrics the Prometheus text for {@code /metrics}
     * @throws IllegalStateException when the config has the admin listener off
     */
    public static AdminServer start(ConfigSources sources, Gateway gateway, Supplier<String> metrics)
            throws InterruptedException {
        return start(sources, gateway, metrics, Insights.NONE, null);
    }

    /**
     * Like {@link #start(ConfigSources, Gateway, Supplier)}, with the analytics and alerts the
     * dashboard, {@code /admin/analytics} and {@code /admin/alerts} read, and the metering that
     * answers {@code /admin/usage} and {@code /admin/invoices} (null: none).
     */
    public static AdminServer start(ConfigSources sources, Gateway gateway, Supplier<String> metrics, Insights insights,
                                    Metering metering) throws InterruptedException {
        return start(sources, gateway, metrics, insights, metering, null);
    }

    /** As above, with admin changes going through the fleet's shared store ({@code fleet} null: one node). */
    public static AdminServer start(ConfigSources sources, Gateway gateway, Supplier<String> metrics, Insights insights,
                                    Metering metering, io.turnpike.cluster.Fleet fleet) throws InterruptedException {
        AdminSettings settings = sources.current().admin();
        if (!settings.enabled()) throw new IllegalStateException("the admin listener is off (admin.listen: off)");
        BearerToken token = new BearerToken(settings.token());
        AdminApi api = new AdminApi(sources, gateway, metrics, token, insights, metering, fleet);
        Transport transport = Transport.best();
        EventLoopGroup group = transport.group(1, "turnpike-admin");
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
                                @Override
                                protected void channelIdle(io.netty.channel.ChannelHandlerContext ctx, IdleStateEvent e) {
                                    ctx.close();
                                }
                            });
                            c.pipeline().addLast(new HttpServerCodec());
                            c.pipeline().addLast(new HttpObjectAggregator(MAX_BODY));
                            c.pipeline().addLast(new AdminHandler(api));
                        }
                    })
                    .bind(new InetSocketAddress(settings.host(), settings.port())).sync().channel();
            AdminServer server = new AdminServer(group, ch);
            log.info("admin API on http://{}:{} ({})", settings.host().indexOf(':') >= 0
                    ? "[" + settings.host() + "]" : settings.host(), server.port(),
                    token.open() ? "no token" : "bearer token required for /admin/*");
            if (token.open()) {
                log.warn("admin.token is not set: /admin/* is open to anyone who can reach {}:{} "
                        + "(allowed on loopback only; requests must name a loopback Host and come from no other "
                        + "site's page)", settings.host(), server.port());
            }
            return server;
        } catch (Throwable e) { // bind failures arrive as checked exceptions Netty rethrows undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The bound port (useful when the config says port 0). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
