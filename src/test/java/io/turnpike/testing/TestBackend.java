package io.turnpike.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 backend on a loopback port for tests. It streams: request bodies are counted and
 * hashed as they pass, downloads are generated chunk by chunk, so it handles gigabytes.
 *
 * <pre>
 * /echo...           200 JSON: method, uri, headers, bodyBytes, bodySha256, node
 * /bytes/N           N bytes of a repeating pattern (?chunked=true for chunked framing)
 * /status/C          status C (no body for 204/304)
 * /slow/MS           answers after MS milliseconds
 * /stall             sends the head and a few bytes, then nothing
 * /trailers          chunked body with a trailer
 * /drop              closes the connection without answering
 * /close             answers with Connection: close
 * anything else      200 "node-name"
 * </pre>
 * A backend made with a delay holds every answer that long (a slow node among fast ones).
 */
public final class TestBackend implements AutoCloseable {
    private static final int CHUNK = 256 * 1024;
    private static final byte[] PATTERN = new byte[CHUNK + 251];

    static {
        for (int i = 0; i < PATTERN.length; i++) PATTERN[i] = (byte) (i % 251);
    }

    private final String name;
    private final long delayMillis;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final SslContext tls;
    /** TLS only: handshakes completed, and per handshake the SNI name ("" for none) and the client's subject. */
    public final AtomicInteger handshakes = new AtomicInteger();
    public final ConcurrentLinkedQueue<String> serverNames = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<String> clientSubjects = new ConcurrentLinkedQueue<>();
    public final AtomicInteger requests = new AtomicInteger();
    /** The request targets seen, in order, once {@link #recordUris} is on (off by default: load tests send many). */
    public final ConcurrentLinkedQueue<String> uris = new ConcurrentLinkedQueue<>();
    public volatile boolean recordUris;
    /** Body bytes of /bytes/N answers written to the socket so far. */
    public final java.util.concurrent.atomic.AtomicLong streamed = new java.util.concurrent.atomic.AtomicLong();
    public final AtomicInteger connections = new AtomicInteger();
    public final ConcurrentLinkedQueue<String> aborted = new ConcurrentLinkedQueue<>();
    private final io.netty.channel.group.ChannelGroup open =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    /** When not 0, every request (health checks too) is answered with this status: a sick node. */
    public volatile int failWith;
    /** Requests to {@code /health} (the health checks' default path) so far. */
    public final AtomicInteger healthChecks = new AtomicInteger();

    /** Connections open right now (a closed one leaves at once). */
    public int openConnections() {
        return open.size();
    }

    public TestBackend(String name) throws InterruptedException {
        this(name, 0);
    }

    /** @param delayMillis every response waits this long (on a timer, the loop stays free) */
    public TestBackend(String name, long delayMillis) throws InterruptedException {
        this(name, delayMillis, null);
    }

    /**
     * An HTTPS backend: {@code tls} is a server context (its certificate, and client authentication
     * when a test wants it). {@link #url()} is then {@code https://127.0.0.1:port}.
     */
    public TestBackend(String name, SslContext tls) throws InterruptedException {
        this(name, 0, tls);
    }

    private TestBackend(String name, long delayMillis, SslContext tls) throws InterruptedException {
        this.name = name;
        this.delayMillis = delayMillis;
        this.tls = tls;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        open.add(ch);
                        if (tls != null) ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new HttpServerCodec(), new Handler());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String url() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + port();
    }

    /** Like a killed process: the listener and every open connection close at once. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        open.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        private HttpRequest req;
        private MessageDigest digest;
        private long bodyBytes;
        private String slowPending;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            if (msg instanceof HttpRequest r) {
                req = r;
                requests.incrementAndGet();
                if (recordUris) uris.add(r.uri());
                digest = MessageDigest.getInstance("SHA-256");
                bodyBytes = 0;
            }
            if (msg instanceof HttpContent c) {
                ByteBuf b = c.content();
                bodyBytes += b.readableBytes();
                if (b.hasArray()) {
                    digest.update(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
                } else {
                    digest.update(b.nioBuffer());
                }
                if (c instanceof LastHttpContent) {
                    HttpRequest r = req;
                    long n = bodyBytes;
                    String sha = HexFormat.of().formatHex(digest.digest());
                    if (delayMillis > 0) {
                        ctx.executor().schedule(() -> respond(ctx, r, n, sha), delayMillis, TimeUnit.MILLISECONDS);
                    } else {
                        respond(ctx, r, n, sha);
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (req != null) aborted.add(req.uri());
            if (slowPending != null) aborted.add(slowPending);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                var session = (ExtendedSSLSession) ctx.pipeline().get(SslHandler.class).engine().getSession();
                serverNames.add(session.getRequestedServerNames().stream()
                        .map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse(""));
                try {
                    clientSubjects.add(session.getPeerPrincipal().getName());
                } catch (SSLPeerUnverifiedException none) {
                    // no client certificate
                }
                handshakes.incrementAndGet();
            }
            super.userEventTriggered(ctx, evt);
        }

        private void respond(ChannelHandlerContext ctx, HttpRequest r, long bodyBytes, String sha) {
            String path = new QueryStringDecoder(r.uri()).path();
            Map<String, java.util.List<String>> q = new QueryStringDecoder(r.uri()).parameters();
            boolean keepAlive = HttpUtil.isKeepAlive(r);
            req = null;
            if (path.equals("/health")) healthChecks.incrementAndGet();
            int sick = failWith;
            if (sick != 0) {
                full(ctx, keepAlive, HttpResponseStatus.valueOf(sick), "sick " + name, "text/plain");
            } else if (path.startsWith("/echo")) {
                Map<String, String> headers = new TreeMap<>();
                r.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + "," + b));
                StringBuilder json = new StringBuilder("{\"method\":\"").append(r.method())
                        .append("\",\"uri\":").append(Json.quote(r.uri()))
                        .append(",\"node\":\"").append(name)
                        .append("\",\"bodyBytes\":").append(bodyBytes)
                        .append(",\"bodySha256\":\"").append(sha).append("\",\"headers\":{");
                boolean first = true;
                for (var e : headers.entrySet()) {
                    if (!first) json.append(',');
                    first = false;
                    json.append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                }
                json.append("}}");
                full(ctx, keepAlive, HttpResponseStatus.OK, json.toString(), "application/json");
            } else if (path.equals("/with-headers")) {
                // answers with the query's parameters as response headers (name=value, repeatable)
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(name, StandardCharsets.UTF_8));
                q.forEach((k, values) -> res.headers().add(k, values));
                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
                if (!keepAlive) res.headers().set(HttpHeaderNames.CONNECTION, "close");
                var f = ctx.writeAndFlush(res);
                if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
            } else if (path.startsWith("/bytes/")) {
                long n = Long.parseLong(path.substring(7));
                boolean chunked = q.containsKey("chunked");
                stream(ctx, n, chunked, keepAlive);
            } else if (path.startsWith("/status/")) {
                int code = Integer.parseInt(path.substring(8));
                HttpResponseStatus st = HttpResponseStatus.valueOf(code);
                if (code == 204 || code == 304) {
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st);
                    if (code == 304) res.headers().set(HttpHeaderNames.ETAG, "\"v1\"");
                    ctx.writeAndFlush(res);
                } else {
                    full(ctx, keepAlive, st, "status " + code, "text/plain");
                }
            } else if (path.startsWith("/slow/")) {
                long ms = Long.parseLong(path.substring(6));
                slowPending = r.uri();
                ctx.executor().schedule(() -> {
                    slowPending = null;
                    full(ctx, keepAlive, HttpResponseStatus.OK, "slow " + name, "text/plain");
                }, ms, TimeUnit.MILLISECONDS);
            } else if (path.equals("/stall")) {
                HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 100);
                ctx.write(res);
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("partial", StandardCharsets.US_ASCII)));
            } else if (path.equals("/trailers")) {
                HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(res, true);
                ctx.write(res);
                ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("hello ", StandardCharsets.US_ASCII)));
                LastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("world", StandardCharsets.US_ASCII));
                last.trailingHeaders().set("x-checksum", "abc123");
                ctx.writeAndFlush(last);
            } else if (path.equals("/drop")) {
                ctx.close();
            } else if (path.equals("/close")) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(name, StandardCharsets.UTF_8));
                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
                res.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } else {
                full(ctx, keepAlive, HttpResponseStatus.OK, name, "text/plain");
            }
        }

        private void full(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus st, String body, String type) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
               .set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
               .set("x-served-by", name)
               .set("connection", "x-backend-hop")
               .set("x-backend-hop", "must-not-reach-client")
               .set("keep-alive", "timeout=5");
            if (!keepAlive) res.headers().set(HttpHeaderNames.CONNECTION, "close");
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }

        /** Writes n bytes in 256 KiB chunks, each only after the previous one left (back-pressure). */
        private void stream(ChannelHandlerContext ctx, long n, boolean chunked, boolean keepAlive) {
            HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            if (chunked) {
                HttpUtil.setTransferEncodingChunked(res, true);
            } else {
                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, n);
            }
            ctx.write(res);
            writeChunk(ctx, n, 0, keepAlive);
        }

        private void writeChunk(ChannelHandlerContext ctx, long total, long sent, boolean keepAlive) {
            if (sent >= total) {
                var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
                return;
            }
            int size = (int) Math.min(CHUNK, total - sent);
            // a window onto the shared pattern: no copy, and byte k of the body is k % 251
            ByteBuf buf = Unpooled.wrappedBuffer(PATTERN, (int) (sent % 251), size);
            ctx.writeAndFlush(new DefaultHttpContent(buf)).addListener(f -> {
                if (f.isSuccess()) {
                    streamed.addAndGet(size);
                    writeChunk(ctx, total, sent + size, keepAlive);
                }
            });
        }
    }
}
