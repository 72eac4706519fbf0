package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.GatewayConfig;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every billable call is in the ledger exactly once; calls that are not billable are not. */
@ExtendWith(NoLeaks.class)
class MeteringTest {
    private static final String ROUTES = """
              - { id: a, match: { path: "/a/**" }, rewrite: { stripPrefix: /a }, service: svc, auth: [apiKey] }
              - { id: b, match: { path: "/b/**" }, rewrite: { stripPrefix: /b }, service: svc, auth: [apiKey], cost: 3 }
              - { id: open, match: { path: "/open/**" }, rewrite: { stripPrefix: /open }, service: svc }
              - { id: down, match: { path: "/down/**" }, service: dead, auth: [apiKey] }
            """;

    private static Usage usage(Metering m) throws Exception {
        Instant now = Instant.now();
        return m.usage(null, null, now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1))).get();
    }

    private static Map<String, Long> calls(Usage u) {
        return u.lines().stream().collect(Collectors.toMap(l -> l.consumer() + "/" + l.route(), Usage.Line::calls));
    }

    @Test
    void countsEveryCallOfConsumersCallingConcurrentlyExactlyOnce(@TempDir Path dir) throws Exception {
        String[] consumers = {"acme", "beta", "gamma", "delta"};
        int threadsPerConsumer = 2;
        int callsPerThread = 300;
        Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (TestBackend backend = new TestBackend("b")) {
            GatewayConfig config = MeteredGateway.parse(MeteredGateway.yaml(dir.resolve("data"), backend.url(),
                    "plans: { free: { quota: 1000000/month } }", Map.of("acme", "free"), ROUTES));
            // a short flush interval so several batches land while the calls run
            try (MeteredGateway gw = MeteredGateway.start(config, Clock.systemUTC(), Duration.ofMillis(50))) {
                List<Thread> threads = new ArrayList<>();
                for (String consumer : consumers) {
                    for (int t = 0; t < threadsPerConsumer; t++) {
                        threads.add(Thread.ofPlatform().start(() -> {
                            try (RawHttp c = new RawHttp(gw.gateway.port())) {
                                for (int i = 0; i < callsPerThread; i++) {
                                    String route = i % 3 == 0 ? "b" : "a";
                                    c.send("GET /" + route + "/echo HTTP/1.1\r\nHost: x\r\nX-API-Key: "
                                            + MeteredGateway.key(consumer) + "\r\n\r\n");
                                    RawHttp.Response r = c.read();
                                    if (r.status() != 200) failures.add(r.status() + " " + r.body());
                                    sent.computeIfAbsent(consumer + "/" + route, k -> new AtomicLong()).incrementAndGet();
                                }
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }));
                    }
                }
                for (Thread t : threads) t.join();
                assertThat(failures).isEmpty();
                Usage u = usage(gw.metering); // read after a flush: everything metered so far
                Map<String, Long> expected = sent.entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
                assertThat(calls(u)).isEqualTo(expected);
                for (Usage.Line l : u.lines()) {
                    assertThat(l.units()).as(l.route()).isEqualTo(l.calls() * (l.route().equals("b") ? 3 : 1));
                    assertThat(l.callsByStatusClass()).containsOnlyKeys("2xx");
                }
                assertThat(gw.metering.quota("acme").orElseThrow().used())
                        .isEqualTo(expected.get("acme/a") + 3 * expected.get("acme/b"));
            }
            // closed and reopened: the same counts, from the file
            try (Metering again = Metering.open(config, Clock.systemUTC(), Duration.ofSeconds(1))) {
                long total = threadsPerConsumer * callsPerThread * consumers.length;
                assertThat(usage(again).lines().stream().mapToLong(Usage.Line::calls).sum()).isEqualTo(total);
                assertThat(again.quota("acme").orElseThrow().used()).isEqualTo(
                        sent.get("acme/a").get() + 3 * sent.get("acme/b").get());
            }
        }
    }

    @Test
    void billsCallsThatReachedTheServiceOrUnderBillOnSuccessOnly2xxAnd3xx(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            GatewayConfig config = MeteredGateway.parse(MeteredGateway.yaml(dir.resolve("data"), backend.url(), """
                    plans:
                      reached: { }
                      success: { billOn: success }
                    """, Map.of("acme", "reached", "beta", "success"), ROUTES));
            try (MeteredGateway gw = MeteredGateway.start(config, Clock.systemUTC(), Duration.ofMillis(100))) {
                for (String consumer : List.of("acme", "beta", "gamma")) {
                    assertThat(gw.get("/a/status/200", consumer).status()).isEqualTo(200);
                    assertThat(gw.get("/a/status/302", consumer).status()).isEqualTo(302);
                    assertThat(gw.get("/a/status/404", consumer).status()).isEqualTo(404);
                    assertThat(gw.get("/a/status/500", consumer).status()).isEqualTo(500);
                    assertThat(gw.get("/down/x", consumer).status()).isEqualTo(502); // never reached a node
                    assertThat(gw.get("/open/echo", consumer).status()).isEqualTo(200); // not authenticated there
                    assertThat(gw.get("/nowhere", consumer).status()).isEqualTo(404); // no route
                }
                assertThat(gw.get("/a/echo", null).status()).isEqualTo(401);
                RawHttp.Response wrongKey;
                try (RawHttp c = new RawHttp(gw.gateway.port())) {
                    wrongKey = c.send("GET /a/echo HTTP/1.1\r\nHost: x\r\nX-API-Key: not-a-key-0000000\r\n\r\n").read();
                }
                assertThat(wrongKey.status()).isEqualTo(401);

                Map<String, Usage.Line> lines = usage(gw.metering).lines().stream()
                        .collect(Collectors.toMap(Usage.Line::consumer, l -> l));
                assertThat(lines).containsOnlyKeys("acme", "beta", "gamma");
                // reached (the default, also for a consumer without a plan): every answer the service gave
                assertThat(lines.get("acme").callsByStatusClass()).isEqualTo(Map.of("2xx", 1L, "3xx", 1L, "4xx", 1L, "5xx", 1L));
                assertThat(lines.get("gamma").calls()).isEqualTo(4);
                // success: 2xx and 3xx only
                assertThat(lines.get("beta").callsByStatusClass()).isEqualTo(Map.of("2xx", 1L, "3xx", 1L));
                assertThat(lines.values()).allSatisfy(l -> assertThat(l.route()).isEqualTo("a"));
            }
        }
    }
}
