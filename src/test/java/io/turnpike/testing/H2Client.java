package io.turnpike.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP/2 client for tests: one connection (h2c with prior knowledge, or TLS with ALPN when given
 * a context), many streams, each a whole request and a whole response.
 */
public final class H2Client implements AutoCloseable {
    public record Response(int status, HttpHeaders headers, byte[] body, HttpHeaders trailers) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel connection;
    private final String authority;
    /** The server said GOAWAY. */
    public final AtomicBoolean goAway = new AtomicBoolean();

    public H2Client(int port) throws InterruptedException {
        this(port, null);
    }

    public H2Client(int port, SslContext tls) throws InterruptedException {
        this(port, tls, "localhost");
    }

    /** Over TLS, sending {@code serverName} as SNI. */
    public H2Client(int port, SslContext tls, String serverName) throws InterruptedException {
        this.authority = "127.0.0.1:" + port;
        connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc(), serverName, port));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(1 << 20)).build());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof Http2GoAwayFrame g) {
                                    goAway.set(true);
                                    g.release();
                                    return;
                                }
                                ctx.fireChannelRead(msg);
                            }
                        });
                        ch.pipeline().addLast(new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {}
                        }));
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
    }

    public boolean isOpen() {
        return connection.isActive();
    }

    public CompletableFuture<Response> send(HttpMethod method, String path, HttpHeaders headers, byte[] body) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        req.headers().set(HttpHeaderNames.HOST, authority);
        if (headers != null) req.headers().add(headers);
        if (body != null) req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        new Http2StreamChannelBootstrap(connection).handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new HttpObjectAggregator(256 << 20),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                result.complete(new Response(r.status().code(), r.headers().copy(),
                                        ByteBufUtil.getBytes(r.content()), r.trailingHeaders().copy()));
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                result.completeExceptionally(new IllegalStateException("stream closed without a response"));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                result.completeExceptionally(cause);
                                ctx.close();
                            }
                        });
            }
        }).open().addListener(f -> {
            if (!f.isSuccess()) {
                req.release();
                result.completeExceptionally(f.cause());
                return;
            }
            ((Http2StreamChannel) f.getNow()).writeAndFlush(req);
        });
        return result;
    }

    public Response get(String path) throws Exception {
        return send(HttpMethod.GET, path, null, null).get(10, TimeUnit.SECONDS);
    }

    /** Sends a GET on a stream that then reads nothing: its flow-control window is all the server may send. */
    public Http2StreamChannel stalled(String path) throws InterruptedException {
        Http2StreamChannel s = new Http2StreamChannelBootstrap(connection)
                .option(io.netty.channel.ChannelOption.AUTO_READ, false)
                .handler(new SimpleChannelInboundHandler<Object>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {}
                }).open().sync().getNow();
        DefaultHttp2Headers h = new DefaultHttp2Headers();
        h.method("GET").path(path).scheme("http").authority(authority);
        s.writeAndFlush(new DefaultHttp2HeadersFrame(h, true)).sync();
        return s;
    }

    /** Opens {@code n} streams, each a GET's HEADERS at once followed by RST_STREAM (Rapid Reset). */
    public void rapidReset(String path, int n) {
        for (int i = 0; i < n && connection.isActive(); i++) {
            var f = new Http2StreamChannelBootstrap(connection).handler(new SimpleChannelInboundHandler<Object>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, Object msg) {}
            }).open().awaitUninterruptibly();
            if (!f.isSuccess()) break; // the server closed the connection
            Http2StreamChannel s = f.getNow();
            DefaultHttp2Headers h = new DefaultHttp2Headers();
            h.method("GET").path(path).scheme("http").authority(authority);
            s.write(new DefaultHttp2HeadersFrame(h, false));
            s.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }
    }

    @Override
    public void close() {
        connection.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
