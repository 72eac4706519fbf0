import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * The floor under the gateway on bench/run.sh's plain route: a bare Netty 4.2 HTTP/1.1 reverse
 * proxy on one epoll event loop, written the way Netty's own codecs invite. Requests go to one
 * backend over pooled keep-alive connections of the same loop; nothing else happens on the path
 * (no routing, no forwarding headers, no metrics, no limits, no hop-by-hop hygiene, no pipelining).
 * It is what the gateway would cost with none of its features, on the same JVM, flags and Netty.
 * With a third argument {@code pipe} it does no HTTP at all: each client connection gets a backend
 * connection of its own and the bytes are relayed both ways as they come (a TCP proxy), which is
 * what Netty's epoll transport costs by itself.
 *
 *   java -cp target/turnpike.jar bench/BareProxy.java PORT BACKEND_PORT [http|pipe]
 */
public final class BareProxy {
    private static InetSocketAddress backend;
    private static final ArrayDeque<Channel> idle = new ArrayDeque<>();   // the loop's own: one loop
    private static Bootstrap upstream;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        backend = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
        boolean pipe = args.length > 2 && args[2].equals("pipe");
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        upstream = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (pipe) ch.pipeline().addLast(new Relay());
                        else ch.pipeline().addLast(new HttpClientCodec(), new Backend());
                    }
                });
        new ServerBootstrap().group(loop, loop).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (pipe) pipeFrom(ch);
                        else ch.pipeline().addLast(new HttpServerCodec(), new Frontend());
                    }
                })
                .bind("127.0.0.1", port).sync();
        System.out.println("bare proxy (" + (pipe ? "pipe" : "http") + ") on :" + port + " -> " + backend.getPort());
        Thread.currentThread().join();
    }

    /** A TCP relay: the client's connection reads only once its backend connection is up. */
    private static void pipeFrom(SocketChannel client) {
        client.config().setAutoRead(false);
        Relay in = new Relay();
        client.pipeline().addLast(in);
        upstream.connect(backend).addListener(f -> {
            Channel b = ((ChannelFuture) f).channel();
            if (!f.isSuccess()) { client.close(); return; }
            if (!client.isActive()) { b.close(); return; }   // the client left while it connected
            in.peer = b;
            b.pipeline().get(Relay.class).peer = client;
            client.config().setAutoRead(true);
        });
    }

    /** Relays what one side reads to the other, flushing once per read burst. */
    static final class Relay extends ChannelInboundHandlerAdapter {
        Channel peer;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (peer != null) peer.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null) peer.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The client's side: each request is sent to a pooled backend connection, bodies as they come. */
    static final class Frontend extends SimpleChannelInboundHandler<HttpObject> {
        private Channel out;                  // the backend connection of the request in flight
        private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();   // until it connects

        Frontend() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest req) {
                HttpUtil.setKeepAlive(req, true);
                req.headers().remove(HttpHeaderNames.CONNECTION);
                Channel c = idle.pollLast();
                if (c != null && c.isActive()) {
                    attach(c, ctx.channel());
                } else {
                    if (c != null) c.close();
                    out = null;
                    upstream.connect(backend).addListener(f -> {
                        Channel nc = ((ChannelFuture) f).channel();
                        if (!f.isSuccess()) { ctx.close(); return; }
                        attach(nc, ctx.channel());
                        HttpObject m;
                        while ((m = waiting.poll()) != null) nc.write(m);
                        nc.flush();
                    });
                }
            }
            if (out == null) {
                waiting.add(msg);
            } else if (msg instanceof LastHttpContent) {
                out.writeAndFlush(msg);
            } else {
                out.write(msg);
            }
        }

        private void attach(Channel c, Channel client) {
            out = c;
            c.pipeline().get(Backend.class).client = client;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            HttpObject m;
            while ((m = waiting.poll()) != null) ReferenceCountUtil.release(m);
            if (out != null) out.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The backend's side: the answer goes to the client; at its end the connection is idle again. */
    static final class Backend extends SimpleChannelInboundHandler<HttpObject> {
        Channel client;

        Backend() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            Channel to = client;
            if (to == null) { ReferenceCountUtil.release(msg); return; }
            if (msg instanceof HttpResponse res) {
                HttpUtil.setKeepAlive(res, true);
                res.headers().remove(HttpHeaderNames.CONNECTION);
            }
            if (msg instanceof LastHttpContent) {
                to.writeAndFlush(msg);
                client = null;
                to.pipeline().get(Frontend.class).out = null;
                idle.addLast(ctx.channel());
            } else if (msg instanceof HttpContent || msg instanceof HttpResponse) {
                to.write(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.remove(ctx.channel());
            if (client != null) client.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
