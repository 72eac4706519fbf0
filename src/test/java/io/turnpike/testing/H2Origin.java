package io.turnpike.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 origin on loopback (h2c with prior knowledge, or h2 over TLS when given a context
 * whose ALPN offers h2): it counts connections, streams in flight (and their peak) and requests.
 * {@code /echo} answers the method, path, authority, the request's headers and its body's SHA-256
 * with an {@code x-checksum} trailer; {@code /big?n=BYTES} answers that many bytes; {@code /hold}
 * answers only once {@link #release} is called; {@code /goaway} on a connection's first stream
 * sends GOAWAY(last-stream-id 0) on the first connection and never answers that stream there.
 */
public final class H2Origin implements AutoCloseable {
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger peakInFlight = new AtomicInteger();
    public final ConcurrentHashMap<String, Integer> streamsPerConnection = new ConcurrentHashMap<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final boolean tls;
    private volatile CountDownLatch held = new CountDownLatch(1);

    public H2Origin(SslContext ssl, Long maxConcurrentStreams) throws InterruptedException {
        this.tls = ssl != null;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        int n = connections.incrementAndGet();
                        if (ssl != null) ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        Http2Settings settings = Http2Settings.defaultSettings();
                        if (maxConcurrentStreams != null) settings.maxConcurrentStreams(maxConcurrentStreams);
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().initialSettings(settings).build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel s) {
                                        s.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                                new HttpObjectAggregator(16 << 20), new Answer(n));
                                    }
                                }));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    public String url() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port();
    }

    /** Lets every held request ({@code /hold}) be answered, now and from now on. */
    public void release() {
        held.countDown();
    }

    private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final int connection;

        Answer(int connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            requests.incrementAndGet();
            streamsPerConnection.merge("c" + connection, 1, Integer::sum);
            int now = inFlight.incrementAndGet();
            peakInFlight.accumulateAndGet(now, Math::max);
            String path = req.uri();
            int streamId = ((Http2StreamChannel) ctx.channel()).stream().id();
            if (path.startsWith("/goaway") && connection == 1) {
                inFlight.decrementAndGet();
                Channel parent = ctx.channel().parent();
                ChannelHandlerContext codecCtx = parent.pipeline().context(Http2FrameCodec.class);
                ((Http2FrameCodec) codecCtx.handler()).goAway(codecCtx, Math.max(0, streamId - 2),
                        Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, codecCtx.newPromise());
                codecCtx.flush();
                return;
            }
            DefaultFullHttpResponse res;
            if (path.startsWith("/big")) {
                int n = Integer.parseInt(path.substring(path.indexOf("n=") + 2));
                byte[] body = new byte[n];
                for (int i = 0; i < n; i++) body[i] = (byte) ('a' + i % 26);
                res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
            } else {
                StringBuilder headers = new StringBuilder();
                req.headers().forEach(e -> headers.append(e.getKey().toLowerCase()).append('=').append(e.getValue()).append('\n'));
                byte[] body = new byte[req.content().readableBytes()];
                req.content().getBytes(req.content().readerIndex(), body);
                String text = "method=" + req.method() + "\npath=" + path + "\nconn=" + connection
                        + "\nstream=" + streamId + "\nbodySha256=" + sha256(body) + "\nbodyBytes=" + body.length
                        + "\n" + headers;
                res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
                res.trailingHeaders().set("x-checksum", sha256(body).substring(0, 8));
            }
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            if (path.startsWith("/hold")) {
                CountDownLatch latch = held;
                Thread.ofVirtual().start(() -> {
                    try {
                        latch.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ignored) {
                        // answer anyway
                    }
                    ctx.channel().eventLoop().execute(() -> {
                        inFlight.decrementAndGet();
                        ctx.writeAndFlush(res);
                    });
                });
                return;
            }
            inFlight.decrementAndGet();
            ctx.writeAndFlush(res);
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The value of {@code key=} in an {@code /echo} answer, or null. */
    public static String field(String echo, String key) {
        for (String line : echo.split("\n")) {
            if (line.startsWith(key + "=")) return line.substring(key.length() + 1);
        }
        return null;
    }

    @Override
    public void close() {
        release();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
