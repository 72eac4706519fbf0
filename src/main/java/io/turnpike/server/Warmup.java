package io.turnpike.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.turnpike.config.ConfigSources;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code server.warmup}: for a few seconds after the listener is bound, synthetic requests run
 * through the same code a real request does (codec, routing, rewrite, the keep-alive pool to a
 * service, streaming the answer back) so that the JIT has compiled that path before {@code /ready}
 * tells a load balancer to send traffic. They go to a second gateway on loopback, in front of a
 * backend in this process: none reaches a configured service, an observer (access log, metrics,
 * analytics, metering) or the rate limits, quotas and breakers, which all belong to the real
 * gateway's snapshot. Requests to the real listener are served meanwhile.
 */
final class Warmup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);
    /** Requests on one synthetic connection before its client closes it and opens another. */
    static final int REQUESTS_PER_CONNECTION = 200;
    /** Concurrent synthetic clients, each on one keep-alive connection at a time. */
    private static final int CLIENTS = 4;
    private static final byte[] BODY = ("{\"id\":1,\"name\":\"warm-up\",\"items\":[1,2,3],"
            + "\"note\":\"an answer of the size of a small API response\"}").getBytes(StandardCharsets.US_ASCII);

    private final Duration duration;
    private final String transport;
    private final LongAdder answered = new LongAdder();
    private final long startedAt = System.nanoTime();
    private volatile String outcome; // null while running
    private volatile boolean closed;
    private final Thread thread;

    private Warmup(Duration duration, String transport) {
        this.duration = duration;
        this.transport = transport;
        this.thread = Thread.ofPlatform().name("turnpike-warmup").daemon().unstarted(this::run);
    }

    /** Starts warming up in the background; {@link #done()} turns true when it is over, whatever happened. */
    static Warmup start(Duration duration, String transport) {
        Warmup w = new Warmup(duration, transport);
        w.thread.start();
        return w;
    }

    boolean done() {
        return outcome != null;
    }

    /** What {@code /ready} shows: running (and for how long still), or how it ended. */
    String detail() {
        String o = outcome;
        if (o != null) return o;
        long left = Math.max(0, duration.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        return "warming up (" + left + " ms left, " + answered.sum() + " synthetic requests so far)";
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    private void run() {
        Transport t = Transport.of(transport);
        EventLoopGroup backendLoop = t.group(1, "turnpike-warmup-backend");
        Gateway gateway = null;
        try {
            Channel backend = backend(backendLoop, t);
            int backendPort = ((InetSocketAddress) backend.localAddress()).getPort();
            ConfigSources.Opened opened = ConfigSources.open("warm-up", config(backendPort, transport), name -> null);
            if (!opened.ok()) throw new IllegalStateException("warm-up config: " + opened.problems());
            gateway = Gateway.startQuietly(opened.sources().current());
            drive(gateway.port());
            finish("done (" + answered.sum() + " synthetic requests in " + duration.toMillis() + " ms)");
        } catch (InterruptedException e) {
            finish("stopped");
        } catch (Exception e) {
            // A warm-up that cannot run must not keep the node unready: it serves cold instead.
            log.warn("warm-up skipped: {}", e.toString());
            finish("skipped (" + e + ")");
        } finally {
            if (gateway != null) gateway.shutdown(Duration.ZERO);
            backendLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private void finish(String how) {
        if (outcome == null && !closed) log.info("warm-up {}; ready for traffic", how);
        outcome = how;
    }

    /** The clients: each a keep-alive connection sending the mix until the time is up. */
    private void drive(int port) throws InterruptedException {
        long until = startedAt + duration.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().name("turnpike-warmup-client-" + c).daemon().start(() -> {
                long i = client;
                while (!closed && System.nanoTime() < until) {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                        s.setSoTimeout(2000);
                        s.setTcpNoDelay(true);
                        OutputStream out = s.getOutputStream();
                        InputStream in = new BufferedInputStream(s.getInputStream());
                        // A new connection now and then: accepting and closing run through the same
                        // read path as requests do, and a path the compiler never saw taken is compiled
                        // out, to be thrown away (and the loop slowed) at the first real client's close.
                        int left = REQUESTS_PER_CONNECTION + client * 7;
                        while (!closed && System.nanoTime() < until && left-- > 0) {
                            out.write(request(i++));
                            out.flush();
                            if (!readResponse(in)) break;
                            answered.increment();
                        }
                    } catch (IOException e) {
                        log.debug("warm-up request failed: {}", e.toString());
                    }
                }
            }));
        }
        for (Thread c : clients) c.join();
    }

    /** Mostly keep-alive GETs with the headers of an ordinary client, some with a path to rewrite; some POSTs. */
    private static byte[] request(long i) {
        String head;
        if (i % 8 == 7) {
            head = "POST /warmup/orders HTTP/1.1\r\nHost: warmup.local\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + BODY.length + "\r\nAccept: application/json\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[h.length + BODY.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(BODY, 0, all, h.length, BODY.length);
            return all;
        }
        // Half to a route that forwards the path as it is (the commonest kind), half rewritten.
        String path = switch ((int) (i % 4)) {
            case 0 -> "/warmup/items/" + (i % 100);
            case 1 -> "/warmup/catalog?page=" + (i % 10);
            default -> "/api/v1/things/" + (i % 50);
        };
        head = "GET " + path + " HTTP/1.1\r\nHost: warmup.local\r\nUser-Agent: turnpike-warmup\r\n"
                + "Accept: application/json\r\nAccept-Encoding: identity\r\nX-Request-Id: w" + i + "\r\n\r\n";
        return head.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one answer (Content-Length or chunked); false when the connection is to be closed. */
    private static boolean readResponse(InputStream in) throws IOException {
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        String line = readLine(in);
        if (line == null || !line.startsWith("HTTP/1.1 ")) return false;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        if (chunked) {
            long size;
            while ((size = Long.parseLong(readLine(in).split(";", 2)[0].trim(), 16)) > 0) {
                skip(in, size);
                readLine(in);
            }
            while (!readLine(in).isEmpty()) { } // trailers
        } else if (length > 0) {
            skip(in, length);
        }
        return !close;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) throw new IOException("connection closed mid-answer");
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) throw new IOException("connection closed mid-body");
                s = 1;
            }
            n -= s;
        }
    }

    /** The service the synthetic requests reach: a fixed JSON answer on loopback. */
    private static Channel backend(EventLoopGroup loop, Transport t) throws InterruptedException {
        return new ServerBootstrap().group(loop).channel(t.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.OK, Unpooled.wrappedBuffer(BODY));
                                        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                                                .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
                                        HttpUtil.setKeepAlive(res, HttpUtil.isKeepAlive(req));
                                        ctx.writeAndFlush(res);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** A gateway of its own on loopback: one event loop, no admin, no access log, nothing stored. */
    private static String config(int backendPort, String transport) {
        return """
                server:
                  listen: 127.0.0.1:0
                  eventLoops: 1
                  transport: %s
                  drainTimeout: 0
                admin: { listen: off }
                observe:
                  accessLog: { enabled: false }
                services:
                  warmup:
                    nodes: [ http://127.0.0.1:%d ]
                routes:
                  - id: warmup-items
                    match: { path: "/warmup/items/{id}", methods: [GET] }
                    service: warmup
                    rewrite: { path: "/items/{id}" }
                  - id: warmup
                    match: { path: "/warmup/**" }
                    service: warmup
                    rewrite: { stripPrefix: /warmup }
                  - id: as-is
                    match: { path: "/**" }
                    service: warmup
                """.formatted(transport, backendPort);
    }
}
