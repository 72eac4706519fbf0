package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.GatewayConfig;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Quotas: exactly the quota passes, then 429 until the period turns; restarts and reloads keep the count. */
@ExtendWith(NoLeaks.class)
class QuotaTest {
    private static final String ROUTES = """
              - { id: a, match: { path: "/a/**" }, rewrite: { stripPrefix: /a }, service: svc, auth: [apiKey] }
              - { id: b, match: { path: "/b/**" }, rewrite: { stripPrefix: /b }, service: svc, auth: [apiKey], cost: 2 }
            """;
    private static final String PLANS = """
            plans:
              daily: { quota: 5/day }
              monthly: { quota: 4/month, quotaResetDay: 15 }
              metered: { quota: 3/day, overage: bill, price: { perUnit: "0.25", currency: EUR, overagePerUnit: "0.4" } }
            """;
    private static final Map<String, String> CONSUMERS = Map.of("acme", "daily", "beta", "monthly", "gamma", "metered");

    private static GatewayConfig config(Path dir, TestBackend backend) {
        return MeteredGateway.parse(MeteredGateway.yaml(dir.resolve("data"), backend.url(), PLANS, CONSUMERS, ROUTES));
    }

    @Test
    void letsExactlyTheQuotaThroughThenRefusesUntilTheNextDay(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-28T23:59:00Z"));
        try (TestBackend backend = new TestBackend("b");
             MeteredGateway gw = MeteredGateway.start(config(dir, backend), clock, Duration.ofMillis(100))) {
            for (int i = 0; i < 5; i++) assertThat(gw.get("/a/echo", "acme").status()).as("call " + (i + 1)).isEqualTo(200);
            int before = backend.requests.get();
            RawHttp.Response refused = gw.get("/a/echo", "acme");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("content-type")).isEqualTo("application/problem+json");
            assertThat(Json.parse(refused.body()).get("type").asText()).isEqualTo("https://turnpike.dev/problems/quota-exceeded");
            assertThat(Json.parse(refused.body()).get("detail").asText()).contains("5 units per day", "2026-11-29T00:00:00Z");
            assertThat(refused.header("retry-after")).isEqualTo("60");
            assertThat(refused.header("quota-reset")).isEqualTo("2026-11-29T00:00:00Z");
            assertThat(backend.requests.get()).isEqualTo(before); // the service never saw it
            // other consumers are not affected
            assertThat(gw.get("/a/echo", "delta").status()).isEqualTo(200);
            assertThat(gw.metering.quota("acme").orElseThrow().remaining()).isZero();

            clock.advance(Duration.ofSeconds(60)); // midnight UTC: a new day
            for (int i = 0; i < 5; i++) assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
            assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(429);
            QuotaStatus q = gw.metering.quota("acme").orElseThrow();
            assertThat(q.used()).isEqualTo(5);
            assertThat(q.resetsAt()).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
        }
    }

    @Test
    void callsInFlightTogetherCannotPassTheQuota(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-28T12:00:00Z"));
        try (TestBackend backend = new TestBackend("b");
             MeteredGateway gw = MeteredGateway.start(config(dir, backend), clock, Duration.ofMillis(100))) {
            // Twelve calls at once, each held 300 ms by the service: the quota of 5 is decided as they
            // are let in, not as they end.
            java.util.List<java.util.concurrent.CompletableFuture<Integer>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return gw.get("/a/slow/300", "acme").status();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
            }
            java.util.List<Integer> statuses = calls.stream().map(java.util.concurrent.CompletableFuture::join).toList();
            assertThat(statuses).filteredOn(st -> st == 200).hasSize(5);
            assertThat(statuses).filteredOn(st -> st == 429).hasSize(7);
            assertThat(gw.metering.quota("acme").orElseThrow().used()).isEqualTo(5);
        }
    }

    @Test
    void unitsHeldForACallThatIsNotBilledAreGivenBack(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-28T12:00:00Z"));
        try (TestBackend backend = new TestBackend("b")) {
            GatewayConfig config = config(dir, backend);
            backend.close(); // every call fails to reach the service: none is billed
            try (MeteredGateway gw = MeteredGateway.start(config, clock, Duration.ofMillis(100))) {
                for (int i = 0; i < 8; i++) assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(502);
                assertThat(gw.metering.quota("acme").orElseThrow().used()).isZero();
            }
        }
    }

    @Test
    void aCallThatWouldNotFitIsRefusedAndMonthlyQuotasResetOnTheirDay(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-14T12:00:00Z"));
        try (TestBackend backend = new TestBackend("b");
             MeteredGateway gw = MeteredGateway.start(config(dir, backend), clock, Duration.ofMillis(100))) {
            assertThat(gw.get("/b/echo", "beta").status()).isEqualTo(200); // 2 of 4
            assertThat(gw.get("/a/echo", "beta").status()).isEqualTo(200); // 3 of 4
            RawHttp.Response r = gw.get("/b/echo", "beta"); // 3 + 2 > 4
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.header("quota-reset")).isEqualTo("2026-11-15T00:00:00Z"); // resetDay 15
            assertThat(gw.get("/a/echo", "beta").status()).isEqualTo(200); // 4 of 4 still fits
            assertThat(gw.get("/a/echo", "beta").status()).isEqualTo(429);
            clock.set(Instant.parse("2026-11-15T00:00:00Z"));
            assertThat(gw.get("/b/echo", "beta").status()).isEqualTo(200);
            assertThat(gw.metering.quota("beta").orElseThrow().periodStart()).isEqualTo(Instant.parse("2026-11-15T00:00:00Z"));
        }
    }

    @Test
    void aRestartAndAReloadKeepTheCount(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (TestBackend backend = new TestBackend("b")) {
            GatewayConfig config = config(dir, backend);
            try (MeteredGateway gw = MeteredGateway.start(config, clock, Duration.ofMillis(100))) {
                for (int i = 0; i < 3; i++) assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
                // a reload (here: the same file, compiled anew) keeps the counters
                gw.gateway.apply(config(dir, backend));
                assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
                assertThat(gw.metering.quota("acme").orElseThrow().used()).isEqualTo(4);
            }
            clock.advance(Duration.ofMinutes(5));
            try (MeteredGateway gw = MeteredGateway.start(config, clock, Duration.ofMillis(100))) {
                assertThat(gw.metering.quota("acme").orElseThrow().used()).isEqualTo(4); // seeded from the ledger
                assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
                assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(429);
            }
            clock.advance(Duration.ofDays(1));
            try (MeteredGateway gw = MeteredGateway.start(config, clock, Duration.ofMillis(100))) {
                assertThat(gw.metering.quota("acme").orElseThrow().used()).isZero(); // yesterday's calls are yesterday's
                assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void overageBillLetsCallsThroughAndBillsThePastQuotaUnitsAtTheOveragePrice(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-28T10:00:00Z"));
        try (TestBackend backend = new TestBackend("b");
             MeteredGateway gw = MeteredGateway.start(config(dir, backend), clock, Duration.ofMillis(100))) {
            assertThat(gw.get("/a/echo", "gamma").status()).isEqualTo(200); // 1 of 3
            assertThat(gw.get("/b/echo", "gamma").status()).isEqualTo(200); // 3 of 3
            assertThat(gw.get("/b/echo", "gamma").status()).isEqualTo(200); // 2 over
            assertThat(gw.get("/a/echo", "gamma").status()).isEqualTo(200); // 1 over
            QuotaStatus q = gw.metering.quota("gamma").orElseThrow();
            assertThat(q.used()).isEqualTo(6);
            assertThat(q.remaining()).isZero();
            Invoice inv = gw.metering.invoice("gamma", YearMonth.of(2026, 11)).get();
            assertThat(inv.currency()).isEqualTo("EUR");
            assertThat(inv.items()).containsExactly(
                    new Invoice.Item("a", "usage", 2, 1, new BigDecimal("0.25"), new BigDecimal("0.25")),
                    new Invoice.Item("a", "overage", 0, 1, new BigDecimal("0.4"), new BigDecimal("0.40")),
                    new Invoice.Item("b", "usage", 2, 2, new BigDecimal("0.25"), new BigDecimal("0.50")),
                    new Invoice.Item("b", "overage", 0, 2, new BigDecimal("0.4"), new BigDecimal("0.80")));
            assertThat(inv.total()).isEqualTo(new BigDecimal("1.95"));
        }
    }
}
