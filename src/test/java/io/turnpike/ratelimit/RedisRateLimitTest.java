package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.observe.AccessLogSettings;
import io.turnpike.observe.Observability;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RedisServer;
import io.turnpike.testing.TestBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two gateways sharing one Redis enforce one limit, in both modes; when Redis dies they fall
 * back (per node, or closed) and say so, and they share again once it is back.
 */
@ExtendWith(NoLeaks.class)
class RedisRateLimitTest {
    static TestBackend backend;
    static RedisServer redis;
    final List<Gateway> gateways = new ArrayList<>();
    final List<Observability> observers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
        redis.close();
    }

    @AfterEach
    void closeGateways() {
        gateways.forEach(Gateway::close);
        observers.forEach(Observability::close);
    }

    GatewayConfig config(String cluster, String limit) {
        ConfigLoader.Result r = ConfigLoader.parse("cluster.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                cluster: %s
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: shared, match: { path: "/s/**" }, rewrite: { stripPrefix: /s }, service: svc,
                      rateLimit: { limit: %s, key: route } }
                """.formatted(cluster, backend.url(), limit), n -> null);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    Gateway gateway(GatewayConfig config) throws Exception {
        Observability o = new Observability(new AccessLogSettings(false, AccessLogSettings.STDOUT, 1.0));
        Gateway g = Gateway.start(config, o);
        gateways.add(g);
        observers.add(o);
        return g;
    }

    static RawHttp.Response get(Gateway g, String path) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read();
        }
    }

    static int passed(List<Gateway> gs, int calls, String path) throws Exception {
        int n = 0;
        for (int i = 0; i < calls; i++) {
            if (get(gs.get(i % gs.size()), path).status() == 200) n++;
        }
        return n;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(50);
        }
    }

    static void awaitShared(Gateway g) throws InterruptedException {
        await(() -> g.snapshot().rateLimiting().limiter().shared(), "Redis is up for the gateway");
    }

    @Test
    void twoGatewaysShareOneBudgetInExactMode() throws Exception {
        String cluster = "{ redis: \"" + redis.uri() + "\", rateLimitMode: exact, expectedNodes: 2 }";
        Gateway a = gateway(config(cluster, "10/min"));
        Gateway b = gateway(config(cluster, "10/min"));
        awaitShared(a);
        awaitShared(b);
        assertThat(passed(List.of(a, b), 16, "/s/exact")).isEqualTo(10);
        RawHttp.Response refused = get(b, "/s/exact");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isIn("5", "6");
        assertThat(refused.header("RateLimit-Policy")).isEqualTo("10;w=60");
        assertThat(a.snapshot().rateLimiting().status()).satisfies(s -> {
            assertThat(s.ready()).isTrue();
            assertThat(s.detail()).contains("shared through Redis", "exact");
        });
    }

    @Test
    void concurrentCallsDecidedTogetherInExactModeLetExactlyTheLimitThrough() throws Exception {
        String cluster = "{ redis: \"" + redis.uri() + "\", rateLimitMode: exact }";
        Gateway a = gateway(config(cluster, "40/min"));
        Gateway b = gateway(config(cluster, "40/min"));
        awaitShared(a);
        awaitShared(b);
        java.util.concurrent.atomic.AtomicInteger passed = new java.util.concurrent.atomic.AtomicInteger();
        List<String> other = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            Gateway g = t % 2 == 0 ? a : b;
            Thread th = new Thread(() -> {
                try (RawHttp c = new RawHttp(g.port())) {
                    for (int i = 0; i < 10; i++) {
                        c.send("GET /s/together HTTP/1.1\r\nHost: x\r\n\r\n");
                        int status = c.read().status();
                        if (status == 200) passed.incrementAndGet();
                        else if (status != 429) other.add("status " + status);
                    }
                } catch (Exception e) {
                    other.add(e.toString());
                }
            });
            th.start();
            clients.add(th);
        }
        for (Thread th : clients) th.join();
        assertThat(other).isEmpty();
        assertThat(passed.get()).isEqualTo(40); // 160 calls, many decided in the same script run
        System.out.println("exact mode: 160 calls, script runs: " + observers.stream()
                .map(o -> o.scrape().lines().filter(l -> l.startsWith("turnpike_ratelimit_redis_calls_total"))
                        .findFirst().orElse("?")).toList());
    }

    @Test
    void twoGatewaysShareOneBudgetInLeaseMode() throws Exception {
        String cluster = "{ redis: \"" + redis.uri() + "\", rateLimitMode: lease, expectedNodes: 2 }";
        Gateway a = gateway(config(cluster, "12/min"));
        Gateway b = gateway(config(cluster, "12/min"));
        awaitShared(a);
        awaitShared(b);
        int passed = passed(List.of(a, b), 24, "/s/lease");
        // Leases never make calls: at most the limit; a token leased ahead may sit unspent on a node.
        assertThat(passed).isBetween(10, 12);
        assertThat(get(a, "/s/lease").status()).isEqualTo(429);
    }

    @Test
    void leasesServeConcurrentCallsFarUnderTheLimitWithoutRefusingAny() throws Exception {
        String cluster = "{ redis: \"" + redis.uri() + "\", rateLimitMode: lease }";
        Gateway a = gateway(config(cluster, "1000000/s"));
        awaitShared(a);
        List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            Thread th = new Thread(() -> {
                try (RawHttp c = new RawHttp(a.port())) {
                    for (int i = 0; i < 100; i++) {
                        c.send("GET /s/many HTTP/1.1\r\nHost: x\r\n\r\n");
                        RawHttp.Response r = c.read();
                        if (r.status() != 200) refused.add(r.status() + " " + r.body());
                    }
                } catch (Exception e) {
                    refused.add(e.toString());
                }
            });
            th.start();
            clients.add(th);
        }
        for (Thread th : clients) th.join();
        assertThat(refused).isEmpty();
        // and far fewer Redis round trips than calls: batches follow the traffic
        String calls = observers.get(0).scrape().lines()
                .filter(l -> l.startsWith("turnpike_ratelimit_redis_calls_total")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(calls.substring(calls.lastIndexOf(' ') + 1))).isLessThan(800);
    }

    @Test
    void whenRedisDiesEachNodeKeepsItsShareAndSharingResumesWhenItIsBack() throws Exception {
        String cluster = "{ redis: \"" + redis.uri() + "\", rateLimitMode: exact, onRedisDown: local, expectedNodes: 2 }";
        Gateway a = gateway(config(cluster, "10/min"));
        awaitShared(a);
        assertThat(passed(List.of(a), 2, "/s/down")).isEqualTo(2);
        redis.kill();
        await(() -> !a.snapshot().rateLimiting().limiter().shared(), "the gateway sees Redis down");
        RateLimiting.Status down = a.snapshot().rateLimiting().status();
        assertThat(down.ready()).isTrue();
        assertThat(down.detail()).contains("unreachable", "limit/2");
        // Redis is gone, and with it the shared count: this node allows its share, 10/2 per minute
        assertThat(passed(List.of(a), 8, "/s/down")).isEqualTo(5);
        String metrics = observers.get(0).scrape();
        assertThat(metrics).contains("turnpike_ratelimit_redis_up 0.0");
        assertThat(metrics).containsPattern("turnpike_ratelimit_fallback_decisions_total [1-9]");

        redis.restart();
        awaitShared(a);
        assertThat(a.snapshot().rateLimiting().status().detail()).contains("shared through Redis");
        assertThat(observers.get(0).scrape()).contains("turnpike_ratelimit_redis_up 1.0");
        // the restarted Redis is empty: the whole limit is there again, counted in Redis
        assertThat(passed(List.of(a), 12, "/s/down")).isEqualTo(10);
    }

    @Test
    void whenRedisDiesAClosedGatewayRefusesLimitedCallsAndIsNotReady() throws Exception {
        String cluster = "{ redis: \"" + redis.uri() + "\", rateLimitMode: lease, onRedisDown: closed }";
        Gateway a = gateway(config(cluster, "100/min"));
        awaitShared(a);
        assertThat(get(a, "/s/closed").status()).isEqualTo(200);
        redis.kill();
        try {
            await(() -> !a.snapshot().rateLimiting().limiter().shared(), "the gateway sees Redis down");
            RawHttp.Response r = get(a, "/s/closed");
            assertThat(r.status()).isEqualTo(503);
            assertThat(Json.parse(r.body()).get("type").asText()).endsWith("/check-unavailable");
            assertThat(r.header("Retry-After")).isEqualTo("1");
            assertThat(a.snapshot().rateLimiting().status().ready()).isFalse();
        } finally {
            redis.restart();
        }
        awaitShared(a);
        assertThat(get(a, "/s/closed").status()).isEqualTo(200);
    }
}
