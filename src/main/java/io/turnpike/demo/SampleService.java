package io.turnpike.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A small sample backend: one node of the users, orders or catalog service, an HTTP/1.1 server on
 * a free loopback port answering JSON. Every answer names the node that gave it.
 *
 * <pre>{@code
 * try (SampleService users1 = new SampleService(SampleKind.USERS, "users-1").start()) {
 *     String url = users1.url();   // http://127.0.0.1:41234
 * }
 * }</pre>
 */
public final class SampleService implements AutoCloseable {
    private static final int MAX_BODY = 1024 * 1024;

    private final SampleKind kind;
    private final String node;
    private EventLoopGroup group;
    private Channel channel;

    /** @param node the name this node answers with, e.g. {@code users-1} */
    public SampleService(SampleKind kind, String node) {
        this.kind = kind;
        this.node = node;
    }

    /** Binds 127.0.0.1 on a port the kernel picks, with one event loop. */
    public SampleService start() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        group = new MultiThreadIoEventLoopGroup(1, io);
        SampleHandler handler = new SampleHandler(node, kind.newApi());
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(),
                                    new HttpObjectAggregator(MAX_BODY), handler);
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .sync()
                    .channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        return this;
    }

    public SampleKind kind() {
        return kind;
    }

    public String node() {
        return node;
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        if (channel != null) channel.close().syncUninterruptibly();
        // No quiet period: a sample has no requests worth waiting for once it is told to stop.
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
