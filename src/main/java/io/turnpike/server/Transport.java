package io.turnpike.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.LoggerFactory;

/** Native epoll when the platform has it, NIO otherwise; io_uring when asked for and the kernel allows it. */
public record Transport(String name, IoHandlerFactory ioHandler, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> channel) {

    public static Transport best() {
        if (!Boolean.getBoolean("turnpike.nio") && Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        return nio();
    }

    /**
     * The transport {@code server.transport} names. io_uring is opt-in: where the kernel or a
     * seccomp profile refuses it (as container runtimes' defaults do), the gateway says so and
     * runs on epoll rather than not at all.
     */
    public static Transport of(String name) {
        if ("nio".equals(name)) return nio();
        if ("io_uring".equals(name) && !Boolean.getBoolean("turnpike.nio")) {
            if (IoUring.isAvailable()) {
                return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                        IoUringSocketChannel.class);
            }
            LoggerFactory.getLogger(Transport.class).warn("server.transport: io_uring is not available here ({}); "
                    + "running on epoll", IoUring.unavailabilityCause().toString());
        }
        return best();
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    public EventLoopGroup group(int threads, String prefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(prefix, true), ioHandler);
    }
}
