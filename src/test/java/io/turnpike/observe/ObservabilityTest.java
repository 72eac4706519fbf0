package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known traffic through a real gateway, then the scrape and the access log must tell exactly that
 * story: 7 GETs and 3 POSTs answered 200, 2 requests with no route, 1 to a node that refuses.
 * The gateway is stopped before anything is read, so every exchange has been observed.
 */
@ExtendWith(NoLeaks.class)
class ObservabilityTest {
    static final String SECRET = "Bearer s3cr3t-token-never-logged";
    static final int[] POST_SIZES = {100, 200, 300};

    @TempDir
    static Path dir;
    static TestBackend backend;
    static int deadPort;
    static Scrape scrape;
    static List<JsonNode> lines;
    static final Map<String, Integer> sentStatus = new HashMap<>();

    @BeforeAll
    static void sendKnownTraffic() throws Exception {
        backend = new TestBackend("b1");
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort(); // closed again: connections to it are refused
        }
        Path log = dir.resolve("access.log");
        Observability obs = new Observability(new AccessLogSettings(true, log.toString(), 1.0));
        Gateway gateway = Gateway.start(TestConfigs.gateway()
                .service("svc", backend.url())
                .service("dead", "http://127.0.0.1:" + deadPort)
                .route("api", "/api/**", "svc")
                .route("dead", "/dead/**", "dead")
                .build(), obs);
        try (RawHttp c = new RawHttp(gateway.port())) {
            int n = 0;
            for (int i = 0; i < 7; i++) send(c, "req-" + ++n, "GET", "/api/items/" + i, 0, 200);
            for (int size : POST_SIZES) send(c, "req-" + ++n, "POST", "/api/items", size, 200);
            send(c, "req-" + ++n, "GET", "/nowhere/1", 0, 404);
            send(c, "req-" + ++n, "GET", "/nowhere/2", 0, 404);
            send(c, "req-" + ++n, "GET", "/dead/x", 0, 502);
        } finally {
            gateway.close(); // the loops have stopped: every exchange has been counted
            scrape = Scrape.parse(obs.scrape());
            obs.close();
            backend.close();
        }
        lines = Files.readAllLines(log).stream().map(Json::parse).toList();
    }

    static void send(RawHttp c, String id, String method, String path, int bodyBytes, int expect) throws Exception {
        c.send(method + " " + path + " HTTP/1.1\r\nHost: test\r\nX-Request-Id: " + id
                + "\r\nAuthorization: " + SECRET + "\r\nContent-Length: " + bodyBytes + "\r\n\r\n" + "x".repeat(bodyBytes));
        assertThat(c.read().status()).as(method + " " + path).isEqualTo(expect);
        sentStatus.put(id, expect);
    }

    @Test
    void countsRequestsByRouteServiceMethodAndStatusClass() {
        String n = "turnpike_requests_total";
        assertThat(scrape.value(n, "method", "GET", "route", "api", "service", "svc", "status", "2xx")).isEqualTo(7);
        assertThat(scrape.value(n, "method", "POST", "route", "api", "service", "svc", "status", "2xx")).isEqualTo(3);
        assertThat(scrape.value(n, "method", "GET", "route", "none", "service", "none", "status", "4xx")).isEqualTo(2);
        assertThat(scrape.value(n, "method", "GET", "route", "dead", "service", "dead", "status", "5xx")).isEqualTo(1);
        assertThat(scrape.series(n)).hasSize(4);
        assertThat(scrape.sum(n)).isEqualTo(13);
        assertThat(scrape.text()).doesNotContain("/api/items", "/nowhere"); // raw paths are never labels
    }

    @Test
    void latencyHistogramsCountEveryExchange() {
        String total = "turnpike_request_duration_seconds";
        assertThat(scrape.value(total + "_count", "route", "api", "service", "svc")).isEqualTo(10);
        assertThat(scrape.value(total + "_count", "route", "none", "service", "none")).isEqualTo(2);
        assertThat(scrape.value(total + "_count", "route", "dead", "service", "dead")).isEqualTo(1);
        assertThat(scrape.value(total + "_bucket", "route", "api", "service", "svc", "le", "+Inf")).isEqualTo(10);
        assertThat(scrape.series(total + "_bucket").stream()
                .filter(s -> s.labels().get("route").equals("api"))).hasSize(Buckets.LATENCY.length + 1);

        String upstream = "turnpike_upstream_duration_seconds";
        assertThat(scrape.value(upstream + "_count", "service", "svc")).isEqualTo(10);
        assertThat(scrape.value(upstream + "_count", "service", "dead")).isZero(); // it never answered
        assertThat(scrape.value(upstream + "_bucket", "service", "svc", "le", "+Inf")).isEqualTo(10);
    }

    @Test
    void countsBodyBytesExactly() {
        assertThat(scrape.value("turnpike_request_body_bytes_total", "route", "api")).isEqualTo(600);
        assertThat(scrape.value("turnpike_response_body_bytes_total", "route", "api")).isEqualTo(10 * "b1".length());
        assertThat(scrape.value("turnpike_request_body_bytes_total", "route", "none")).isZero();
    }

    @Test
    void countsRejectionsByReason() {
        assertThat(scrape.value("turnpike_rejections_total", "reason", "no-route")).isEqualTo(2);
        assertThat(scrape.value("turnpike_rejections_total", "reason", "upstream-failed")).isEqualTo(1);
        assertThat(scrape.sum("turnpike_rejections_total")).isEqualTo(3);
        assertThat(scrape.has("turnpike_rejections_total", "reason", "body-too-large")).isTrue(); // present at 0
    }

    @Test
    void exposesNodeCountersAndLatency() {
        String svcNode = "127.0.0.1:" + backend.port();
        String deadNode = "127.0.0.1:" + deadPort;
        assertThat(scrape.value("turnpike_node_requests_total", "node", svcNode, "service", "svc")).isEqualTo(10);
        assertThat(scrape.value("turnpike_node_failures_total", "node", svcNode, "service", "svc")).isZero();
        assertThat(scrape.value("turnpike_node_requests_total", "node", deadNode, "service", "dead")).isEqualTo(1);
        assertThat(scrape.value("turnpike_node_failures_total", "node", deadNode, "service", "dead")).isEqualTo(1);
        assertThat(scrape.value("turnpike_node_in_flight", "node", svcNode, "service", "svc")).isZero();
        assertThat(scrape.value("turnpike_node_latency_ewma_seconds", "node", svcNode, "service", "svc")).isPositive();
        assertThat(scrape.value("turnpike_node_latency_ewma_seconds", "node", deadNode, "service", "dead")).isNaN();
    }

    @Test
    void exposesProcessAndAllocatorMetrics() {
        assertThat(scrape.text()).contains("jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads",
                "process_cpu_usage", "process_uptime_seconds", "netty_allocator_used_bytes", "process_cpu_seconds_total", "system_cpus", "turnpike_access_log_dropped_total");
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        scrape.assertPromtoolAccepts();
    }

    @Test
    void accessLogHasOneLinePerExchange() {
        assertThat(lines).hasSize(13);
        Map<String, Integer> logged = new HashMap<>();
        for (JsonNode l : lines) logged.put(l.get("requestId").asText(), l.get("status").asInt());
        assertThat(logged).isEqualTo(sentStatus);
    }

    @Test
    void accessLogLinesCarryTheExchangeFacts() {
        JsonNode post = line("req-9");
        assertThat(post.get("method").asText()).isEqualTo("POST");
        assertThat(post.get("path").asText()).isEqualTo("/api/items");
        assertThat(post.get("route").asText()).isEqualTo("api");
        assertThat(post.get("service").asText()).isEqualTo("svc");
        assertThat(post.get("node").asText()).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(post.get("bytesIn").asLong()).isEqualTo(200);
        assertThat(post.get("bytesOut").asLong()).isEqualTo(2);
        assertThat(post.get("outcome").asText()).isEqualTo("ok");
        assertThat(post.get("rejection").isNull()).isTrue();
        assertThat(post.get("consumer").isNull()).isTrue();
        assertThat(post.get("clientIp").asText()).isEqualTo("127.0.0.1");
        assertThat(post.get("traceId").asText()).matches("[0-9a-f]{32}");
        assertThat(post.get("totalMs").asDouble()).isGreaterThanOrEqualTo(post.get("upstreamMs").asDouble());
        assertThat(post.get("retries").asInt()).isZero();
        assertThat(post.get("decision").isObject()).isTrue();
        assertThat(post.get("decision").size()).isZero();
        assertThat(Instant.parse(post.get("time").asText())).isBefore(Instant.now());

        JsonNode noRoute = line("req-11");
        assertThat(noRoute.get("route").isNull()).isTrue();
        assertThat(noRoute.get("rejection").asText()).isEqualTo("no-route");
        assertThat(noRoute.get("outcome").asText()).isEqualTo("rejected");
        assertThat(noRoute.get("upstreamMs").isNull()).isTrue();

        JsonNode dead = line("req-13");
        assertThat(dead.get("rejection").asText()).isEqualTo("upstream-failed");
        assertThat(dead.get("node").asText()).isEqualTo("127.0.0.1:" + deadPort);
    }

    @Test
    void accessLogHoldsNoHeaderValues() throws Exception {
        String all = Files.readString(dir.resolve("access.log"));
        assertThat(all).doesNotContain("s3cr3t", "Authorization", "Bearer");
        assertThat(lines).allSatisfy(l -> assertThat(l.has("headers")).isFalse());
    }

    /**
     * Targets an attacker picks to break the log: quotes and backslashes to close the JSON string,
     * a target that cannot be normalised (logged raw) with a token in its query. Each exchange must
     * still be exactly one line that parses, with the path as sent and no query.
     */
    @Test
    void hostileTargetsStayOneParsableLineEach(@TempDir Path own) throws Exception {
        Path log = own.resolve("access.log");
        Observability obs = new Observability(new AccessLogSettings(true, log.toString(), 1.0));
        TestBackend b = new TestBackend("b2");
        Gateway gateway = Gateway.start(TestConfigs.gateway().service("svc", b.url())
                .route("api", "/api/**", "svc").build(), obs);
        String[] targets = {"/api/\"},\"status\":1,\"x\":\"", "/api/back\\slash", "/a/../%zz\"\\?token=s3cr3t"};
        try {
            for (String t : targets) {
                try (RawHttp c = new RawHttp(gateway.port())) {
                    c.send("GET " + t + " HTTP/1.1\r\nHost: test\r\n\r\n");
                    assertThat(c.read().status()).as(t).isBetween(200, 499);
                }
            }
        } finally {
            gateway.close();
            obs.close();
            b.close();
        }
        List<String> written = Files.readAllLines(log);
        assertThat(written).hasSize(targets.length);
        List<String> paths = written.stream().map(l -> Json.parse(l).get("path").asText()).toList();
        assertThat(paths).containsExactly(targets[0], targets[1], "/a/../%zz\"\\");
        assertThat(written).allSatisfy(l -> assertThat(l).doesNotContain("s3cr3t"));
    }

    static JsonNode line(String requestId) {
        return lines.stream().filter(l -> l.get("requestId").asText().equals(requestId)).findFirst().orElseThrow();
    }
}
