package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.core.ExchangeView;
import io.turnpike.observe.Observability;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NettyWsClient;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RawOrigin;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.WebSocketBackend;
import io.turnpike.testing.WsClient;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * WebSocket through a real gateway to a Netty WebSocket service, with the JDK's client: echo,
 * large messages, close codes from either side, auth on the handshake, routes that may not switch,
 * the open-connections gauge, idling out and shutting down with 1001.
 */
@ExtendWith(NoLeaks.class)
class WebSocketTest {
    static final String KEY = "acme-key-0123456789abcdef";
    static final String CONFIG = """
            server: { listen: "127.0.0.1:0", eventLoops: 1, limits: { websocketIdleTimeout: %s } }
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            auth: { apiKey: { header: X-API-Key } }
            consumers:
              - { id: acme, credentials: [ { apiKey: "%s" } ] }
            services:
              ws: { nodes: [ "%s" ] }
              http: { nodes: [ "%s" ] }
              rogue: { nodes: [ "%s" ] }
              zws: { nodes: [ "%s" ] }
              eager: { nodes: [ "%s" ] }
            routes:
              - { id: ws, match: { path: "/ws/**" }, service: ws, websocket: true }
              - { id: keyed, match: { path: "/keyed/**" }, service: ws, websocket: true, auth: [apiKey] }
              - { id: not-ws, match: { path: "/not-ws/**" }, service: ws }
              - { id: plain, match: { path: "/plain/**" }, rewrite: { stripPrefix: /plain }, service: http }
              - { id: http-ws, match: { path: "/http-ws/**" }, rewrite: { stripPrefix: /http-ws }, service: http, websocket: true }
              - { id: rogue, match: { path: "/rogue/**" }, service: rogue }
              - { id: rogue-ws, match: { path: "/rogue-ws/**" }, service: rogue, websocket: true }
              - { id: zws, match: { path: "/zws/**" }, service: zws, websocket: true }
              - { id: eager, match: { path: "/eager/**" }, service: eager, websocket: true }
            """;

    static WebSocketBackend backend;
    static WebSocketBackend deflating;
    static TestBackend http;
    static RawOrigin rogue;
    static RawOrigin eager;
    static Observability observability;
    static Gateway gateway;
    static final LinkedBlockingQueue<String> exchanges = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        backend = new WebSocketBackend(false);
        deflating = new WebSocketBackend(true);
        http = new TestBackend("h");
        // A node that switches protocols whatever it is asked.
        rogue = new RawOrigin().answer(s -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n");
        // A node whose first frame comes in the same write as its 101.
        eager = new RawOrigin().answer(s -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                + "Sec-WebSocket-Protocol: chat\r\n\r\n\u0081\u0002hi");
        observability = new Observability();
        ExchangeObserver recorder = new ExchangeObserver() {
            @Override
            public void onEnd(ExchangeView x) {
                exchanges.add(x.routeId() + " " + x.status());
            }
        };
        gateway = Gateway.start(config("5m"), ExchangeObserver.both(observability, recorder));
    }

    static GatewayConfig config(String idle) {
        ConfigLoader.Result r = ConfigLoader.parse("ws.yaml",
                CONFIG.formatted(idle, KEY, backend.url(), http.url(), "http://127.0.0.1:" + rogue.port(),
                deflating.url(), eager.url()), k -> null);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        observability.close();
        backend.close();
        deflating.close();
        http.close();
        rogue.close();
        eager.close();
    }

    static String url(Gateway g, String path) {
        return "ws://127.0.0.1:" + g.port() + path;
    }

    @Test
    void echoesTextAndBinaryAndTheHandshakeIsObservedOnceAs101() throws Exception {
        exchanges.clear();
        WsClient c = WsClient.open(url(gateway, "/ws/echo"), Map.of());
        c.socket.sendText("hello", true).join();
        assertThat(c.next()).isEqualTo("hello");
        c.socket.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}), true).join();
        assertThat((byte[]) c.next()).containsExactly(0, 1, 2, 255);
        c.socket.sendText("frag", false).join();
        c.socket.sendText("ments", true).join();
        assertThat(c.next()).isEqualTo("fragments");
        assertThat(exchanges.poll(5, TimeUnit.SECONDS)).isEqualTo("ws 101");
        assertThat(backend.handshakes.peek().headers().get("upgrade")).isEqualToIgnoringCase("websocket");
        c.socket.sendClose(1000, "").join();
        c.closed.get(10, TimeUnit.SECONDS);
        assertThat(exchanges).isEmpty(); // the frames after the 101 are not exchanges of their own
    }

    @Test
    void eightMebibytesGoBothWays() throws Exception {
        WsClient c = WsClient.open(url(gateway, "/ws/big"), Map.of());
        byte[] big = new byte[8 * 1024 * 1024];
        ThreadLocalRandom.current().nextBytes(big);
        c.socket.sendBinary(ByteBuffer.wrap(big), true).join();
        byte[] back = (byte[]) c.next();
        assertThat(back.length).isEqualTo(big.length);
        assertThat(Arrays.equals(back, big)).isTrue();
        c.socket.sendClose(1000, "").join();
        c.closed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientsCloseReachesTheServiceWithItsCodeAndReason() throws Exception {
        backend.closes.clear();
        WsClient c = WsClient.open(url(gateway, "/ws/close"), Map.of());
        c.socket.sendClose(4001, "client done").join();
        assertThat(backend.closes.poll(10, TimeUnit.SECONDS)).isEqualTo("4001 client done");
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo("4001 client done");
    }

    @Test
    void aServicesCloseReachesTheClient() throws Exception {
        WsClient c = WsClient.open(url(gateway, "/ws/close"), Map.of());
        c.socket.sendText("close-please", true).join();
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo("4002 server done");
    }

    @Test
    void permessageDeflateIsNegotiatedEndToEnd() throws Exception {
        String text = "compress me ".repeat(10_000);
        try (NettyWsClient c = NettyWsClient.open(URI.create(url(gateway, "/zws/echo")))) {
            assertThat(c.extensions).startsWith("permessage-deflate");
            assertThat(deflating.extensionsAnswered).containsExactly(c.extensions); // the service's answer, unchanged
            for (int i = 0; i < 2; i++) { // twice: the compression context the ends share survives the relay
                c.send(text);
                assertThat(c.next()).isEqualTo(text);
            }
        }
    }

    @Test
    void theHandshakeRunsTheRoutesAuth() throws Exception {
        int before = backend.handshakes.size();
        assertThatThrownBy(() -> WsClient.open(url(gateway, "/keyed/echo"), Map.of()))
                .satisfies(e -> assertThat(handshakeStatus(e)).isEqualTo(401));
        assertThat(backend.handshakes).hasSize(before);
        WsClient c = WsClient.open(url(gateway, "/keyed/echo"), Map.of("X-API-Key", KEY));
        c.socket.sendText("in", true).join();
        assertThat(c.next()).isEqualTo("in");
        var seen = backend.handshakes.stream().skip(before).findFirst().orElseThrow().headers();
        assertThat(seen.get("x-consumer-id")).isEqualTo("acme");
        assertThat(seen.contains("x-api-key")).isFalse();
        c.socket.sendClose(1000, "").join();
    }

    private static int handshakeStatus(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WebSocketHandshakeException h) return h.getResponse().statusCode();
        }
        throw new AssertionError("not a refused handshake", e);
    }

    @Test
    void aRouteWithoutWebsocketNeverSwitches() throws Exception {
        // The handshake goes on as a plain request, without the Upgrade that asks for the switch.
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(handshake("/plain/echo", "websocket"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("\"sec-websocket-key\"").doesNotContain("\"upgrade\"");
        }
        // So a WebSocket service does not switch.
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(handshake("/not-ws/echo", "websocket"));
            assertThat(c.read().status()).isNotEqualTo(101);
        }
        // And a node that switches anyway has its 101 refused.
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(handshake("/rogue/echo", "websocket"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(rogue.seen).filteredOn(s -> s.requestLine().startsWith("GET /rogue/echo "))
                    .isNotEmpty().allSatisfy(s -> assertThat(s.header("upgrade")).isNull());
        }
    }

    /**
     * A 101 that does not answer the client's key (an endpoint that returns a status it is given)
     * would open a raw tunnel to a node still speaking HTTP, past the gateway's checks.
     */
    @Test
    void a101WithoutTheAcceptForTheKeyOpensNoTunnel() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(handshake("/rogue-ws/echo", "websocket"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
        }
    }

    @Test
    void aNodeThatDoesNotSwitchIsAnsweredAsUsual() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(handshake("/http-ws/echo", "websocket"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("\"upgrade\":\"websocket\"");
            c.send("GET /http-ws/again HTTP/1.1\r\nHost: x\r\n\r\n"); // still HTTP on the same connection
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void theNodes101ReachesTheClientAsSentWithTheBytesThatFollowedIt() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(handshake("/eager/chat", "websocket"));
            c.socket().setSoTimeout(10_000);
            var in = c.socket().getInputStream();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            String text;
            do {
                int b = in.read();
                if (b < 0) break;
                got.write(b);
                text = got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
            } while (!(text.contains("\r\n\r\n") && text.endsWith("hi")));
            text = got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 101 ").containsIgnoringCase("\r\nupgrade: websocket\r\n")
                    .containsIgnoringCase("\r\nconnection: upgrade\r\n")
                    .containsIgnoringCase("\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")
                    .containsIgnoringCase("\r\nsec-websocket-protocol: chat\r\n")
                    .endsWith("\r\n\r\n\u0081\u0002hi");
            assertThat(eager.seen.peek().header("upgrade")).isEqualTo("websocket");
            assertThat(eager.seen.peek().header("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
        }
    }

    @Test
    void upgradeH2cIsNeitherHonouredNorForwarded() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /http-ws/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("\"uri\":\"/echo\"")
                    .doesNotContainIgnoringCase("h2c").doesNotContainIgnoringCase("http2-settings");
        }
    }

    static String handshake(String path, String upgrade) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: " + upgrade + "\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    @Test
    void theGaugeCountsOpenWebSockets() throws Exception {
        WsClient a = WsClient.open(url(gateway, "/ws/a"), Map.of());
        WsClient b = WsClient.open(url(gateway, "/ws/b"), Map.of());
        awaitGauge(2);
        a.socket.sendClose(1000, "").join();
        a.closed.get(10, TimeUnit.SECONDS);
        awaitGauge(1);
        b.socket.abort(); // a reset, not a close frame
        awaitGauge(0);
    }

    private static void awaitGauge(double want) throws InterruptedException {
        Pattern p = Pattern.compile("(?m)^turnpike_websocket_connections (\\S+)$");
        double last = -1;
        for (int i = 0; i < 200; i++) {
            Matcher m = p.matcher(observability.scrape());
            if (m.find() && (last = Double.parseDouble(m.group(1))) == want) return;
            Thread.sleep(25);
        }
        throw new AssertionError("turnpike_websocket_connections is " + last + ", expected " + want);
    }

    @Test
    void anIdleTunnelIsClosedOnBothSides() throws Exception {
        try (Gateway g = Gateway.start(config("300ms"))) {
            backend.ended.clear();
            WsClient c = WsClient.open(url(g, "/ws/idle"), Map.of());
            c.socket.sendText("still here", true).join();
            assertThat(c.next()).isEqualTo("still here");
            long start = System.nanoTime();
            assertThat(c.closed.get(10, TimeUnit.SECONDS)).startsWith("1001");
            assertThat(System.nanoTime() - start).isGreaterThan(Duration.ofMillis(250).toNanos());
            assertThat(backend.closes.poll(10, TimeUnit.SECONDS)).startsWith("1001");
            assertThat(backend.ended.poll(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aTunnelOutlivesItsServicesPoolIdleTimeout() throws Exception {
        // The node's connection left its pool when it became a tunnel: the pool's idle timeout
        // (300 ms here) no longer applies to it, the tunnel's own (5 minutes) does.
        ConfigLoader.Result r = ConfigLoader.parse("ws.yaml", CONFIG.formatted("5m", KEY, backend.url(), http.url(),
                "http://127.0.0.1:" + rogue.port(), deflating.url(), eager.url())
                .replace("ws: { nodes: [ \"" + backend.url() + "\" ] }",
                        "ws: { nodes: [ \"" + backend.url() + "\" ], pool: { idleTimeout: 300ms } }"), k -> null);
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().services().get("ws").pool().idleTimeout()).isEqualTo(Duration.ofMillis(300));
        try (Gateway g = Gateway.start(r.config())) {
            WsClient c = WsClient.open(url(g, "/ws/quiet"), Map.of());
            c.socket.sendText("one", true).join();
            assertThat(c.next()).isEqualTo("one");
            Thread.sleep(1000);
            c.socket.sendText("two", true).join();
            assertThat(c.next()).as("the tunnel is still open after 1 s of quiet").isEqualTo("two");
            c.socket.sendClose(1000, "").join();
            assertThat(c.closed.get(10, TimeUnit.SECONDS)).startsWith("1000");
        }
    }

    @Test
    void shutdownClosesOpenWebSocketsWith1001() throws Exception {
        Gateway g = Gateway.start(config("5m"));
        backend.closes.clear();
        WsClient c = WsClient.open(url(g, "/ws/drain"), Map.of());
        c.socket.sendText("before", true).join();
        assertThat(c.next()).isEqualTo("before");
        long start = System.nanoTime();
        g.shutdown(Duration.ofSeconds(10));
        assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(5).toNanos()); // not the whole drain
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).startsWith("1001");
        assertThat(backend.closes.poll(10, TimeUnit.SECONDS)).startsWith("1001");
    }
}
