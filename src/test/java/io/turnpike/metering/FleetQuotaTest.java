package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.turnpike.admin.AdminServer;
import io.turnpike.config.ConfigSources;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RedisServer;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateways sharing one Redis ({@code cluster.redis}) count plan quotas as one: exactly the quota
 * passes across them, calls that are not billed give their units back, a new counter starts from
 * the ledger, and with Redis gone each gateway goes on with its share until Redis is back.
 */
@ExtendWith(NoLeaks.class)
class FleetQuotaTest {
    private static final String ROUTES = """
              - { id: a, match: { path: "/a/**" }, rewrite: { stripPrefix: /a }, service: svc, auth: [apiKey] }
              - { id: d, match: { path: "/d/**" }, service: dead, auth: [apiKey] }
            """;
    private static final Map<String, String> CONSUMERS = Map.of("acme", "daily", "beta", "daily", "gamma", "daily",
            "delta", "daily");

    private static String yaml(Path data, TestBackend backend, RedisServer redis, int quota, int nodes) {
        String plans = (redis == null ? "" : "cluster: { redis: \"" + redis.uri() + "\", expectedNodes: " + nodes + " }\n")
                + "plans:\n  daily: { quota: " + quota + "/day }\n";
        return MeteredGateway.yaml(data, backend.url(), plans, CONSUMERS, ROUTES);
    }

    /** {@code count} gateways on one Redis, each with a ledger of its own, once each counts in Redis. */
    private static List<MeteredGateway> fleet(Path dir, TestBackend backend, RedisServer redis, int count, int quota,
                                              TestClock clock) throws Exception {
        List<MeteredGateway> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(MeteredGateway.start(MeteredGateway.parse(yaml(dir.resolve("data" + i), backend, redis, quota, count)),
                    clock, Duration.ofMillis(100)));
        }
        for (MeteredGateway g : out) await(g, s -> s.detail().startsWith("counted fleet-wide"));
        return out;
    }

    private static void await(MeteredGateway g, Predicate<Quotas.Status> until) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!until.test(g.metering.quotas().status())) {
            if (System.nanoTime() > deadline) throw new AssertionError("quotas: " + g.metering.quotas().status());
            Thread.sleep(20);
        }
    }

    private static void closeAll(List<MeteredGateway> gateways) {
        for (MeteredGateway g : gateways) g.close();
    }

    private static TestClock noon() {
        return new TestClock(Instant.parse("2026-11-28T12:00:00Z"));
    }

    @Test
    void threeGatewaysLetExactlyTheQuotaThroughBetweenThem(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(); TestBackend backend = new TestBackend("b")) {
            List<MeteredGateway> fleet = fleet(dir, backend, redis, 3, 7, noon());
            try {
                // one after the other, round the fleet: each gateway alone would let 7 through
                for (int i = 0; i < 7; i++) {
                    assertThat(fleet.get(i % 3).get("/a/echo", "acme").status()).as("call " + (i + 1)).isEqualTo(200);
                }
                for (MeteredGateway g : fleet) {
                    RawHttp.Response refused = g.get("/a/echo", "acme");
                    assertThat(refused.status()).isEqualTo(429);
                    assertThat(Json.parse(refused.body()).get("type").asText())
                            .isEqualTo("https://turnpike.dev/problems/quota-exceeded");
                    assertThat(Json.parse(refused.body()).get("detail").asText()).contains("7 units per day", "7 used");
                    assertThat(refused.header("retry-after")).isEqualTo("43200");
                    assertThat(refused.header("quota-reset")).isEqualTo("2026-11-29T00:00:00Z");
                }
                // all at once, each call held 200 ms by the service: decided as they are let in
                List<CompletableFuture<Integer>> calls = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    MeteredGateway g = fleet.get(i % 3);
                    calls.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return g.get("/a/slow/200", "beta").status();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                List<Integer> statuses = calls.stream().map(CompletableFuture::join).toList();
                assertThat(statuses.stream().filter(s -> s == 200).count()).as(statuses.toString()).isEqualTo(7);
                assertThat(statuses.stream().filter(s -> s == 429).count()).as(statuses.toString()).isEqualTo(17);
                assertThat(fleet.get(0).metering.quota("beta").orElseThrow().used()).isEqualTo(7);
            } finally {
                closeAll(fleet);
            }
        }
    }

    @Test
    void aCallThatIsNotBilledGivesItsUnitBackToTheFleet(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(); TestBackend backend = new TestBackend("b")) {
            List<MeteredGateway> fleet = fleet(dir, backend, redis, 2, 3, noon());
            try {
                // the service cannot be reached: not billed, so the units held for them come back
                for (int i = 0; i < 4; i++) assertThat(fleet.get(i % 2).get("/d/x", "gamma").status()).isEqualTo(502);
                Thread.sleep(200); // the settles are sent after the answers
                for (int i = 0; i < 3; i++) {
                    assertThat(fleet.get(i % 2).get("/a/echo", "gamma").status()).as("call " + (i + 1)).isEqualTo(200);
                }
                assertThat(fleet.get(1).get("/a/echo", "gamma").status()).isEqualTo(429);
                assertThat(fleet.get(0).get("/a/echo", "gamma").status()).isEqualTo(429);
            } finally {
                closeAll(fleet);
            }
        }
    }

    @Test
    void aNewFleetCounterStartsFromWhatTheLedgerHas(@TempDir Path dir) throws Exception {
        TestClock clock = noon();
        try (RedisServer redis = RedisServer.start(); TestBackend backend = new TestBackend("b")) {
            // 4 calls today on a gateway without Redis, written to its ledger
            try (MeteredGateway alone = MeteredGateway.start(MeteredGateway.parse(yaml(dir.resolve("data0"), backend,
                    null, 7, 1)), clock, Duration.ofMillis(100))) {
                for (int i = 0; i < 4; i++) assertThat(alone.get("/a/echo", "acme").status()).isEqualTo(200);
            }
            // the same gateway (same ledger) joins a fleet: Redis has no counter, the ledger's 4 seed it
            List<MeteredGateway> fleet = fleet(dir, backend, redis, 2, 7, clock);
            try {
                assertThat(fleet.get(0).get("/a/echo", "acme").status()).isEqualTo(200);
                // the other gateway's ledger is empty, yet it never resets the counter
                assertThat(fleet.get(1).get("/a/echo", "acme").status()).isEqualTo(200);
                assertThat(fleet.get(1).get("/a/echo", "acme").status()).isEqualTo(200);
                RawHttp.Response refused = fleet.get(1).get("/a/echo", "acme");
                assertThat(refused.status()).isEqualTo(429);
                assertThat(Json.parse(refused.body()).get("detail").asText()).contains("7 used");
                assertThat(fleet.get(0).get("/a/echo", "acme").status()).isEqualTo(429);
            } finally {
                closeAll(fleet);
            }
        }
    }

    @Test
    void withRedisGoneEachGatewayGoesOnWithItsShareThenTheFleetCountsAgain(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(); TestBackend backend = new TestBackend("b")) {
            List<MeteredGateway> fleet = fleet(dir, backend, redis, 2, 30, noon());
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            fleet.get(0).metering.quotas().bindTo(registry);
            Path file = dir.resolve("admin.yaml");
            Files.writeString(file, yaml(dir.resolve("data0"), backend, redis, 30, 2)
                    .replace("admin: { listen: off }", "admin: { listen: \"127.0.0.1:0\" }"));
            ConfigSources.Opened opened = ConfigSources.open(file, Files.readAllBytes(file), MeteredGateway.KEYS::get);
            try (AdminServer admin = AdminServer.start(opened.sources(), fleet.get(0).gateway, () -> "")) {
                for (int i = 0; i < 10; i++) assertThat(fleet.get(i % 2).get("/a/echo", "acme").status()).isEqualTo(200);
                assertThat(registry.get("turnpike.quota.fleet").gauge().value()).isEqualTo(1.0);
                assertThat(ready(admin).get("checks").get("quotas").asText()).startsWith("counted fleet-wide in Redis");

                redis.kill();
                for (MeteredGateway g : fleet) await(g, s -> s.detail().contains("unreachable"));
                // 20 of the 30 units remained: each of the 2 gateways lets 10 through on its own
                int passed = 0;
                for (int i = 0; i < 30; i++) {
                    int status = fleet.get(i % 2).get("/a/echo", "acme").status();
                    assertThat(status).isIn(200, 429);
                    if (status == 200) passed++;
                }
                assertThat(passed).isEqualTo(20);
                var r = ready(admin);
                assertThat(r.get("status").asText()).isEqualTo("ready"); // onRedisDown: local serves on
                assertThat(r.get("checks").get("quotas").asText()).contains("unreachable", "each gateway allows 1/2");
                assertThat(registry.get("turnpike.quota.fleet").gauge().value()).isEqualTo(0.0);
                assertThat(registry.get("turnpike.quota.decisions").tag("where", "fallback").functionCounter().count())
                        .isEqualTo(15.0);

                redis.restart(); // empty
                for (MeteredGateway g : fleet) await(g, s -> s.detail().startsWith("counted fleet-wide"));
                assertThat(registry.get("turnpike.quota.fleet").gauge().value()).isEqualTo(1.0);
                // counted in Redis again: one gateway may take the whole quota (its share alone would be 15),
                // and the other sees it used up
                for (int i = 0; i < 30; i++) {
                    assertThat(fleet.get(0).get("/a/echo", "beta").status()).as("call " + (i + 1)).isEqualTo(200);
                }
                assertThat(fleet.get(1).get("/a/echo", "beta").status()).isEqualTo(429);
                assertThat(ready(admin).get("checks").get("quotas").asText()).startsWith("counted fleet-wide in Redis");
            } finally {
                closeAll(fleet);
            }
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode ready(AdminServer admin) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port()
                    + "/ready")).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return Json.parse(r.body());
        }
    }
}
