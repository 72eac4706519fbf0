package io.turnpike;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.GatewayProcess;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RedisServer;
import io.turnpike.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged gateways sharing one Redis count a plan quota of 100 as one: clients on all three
 * asking at once get exactly 100 calls through. With Redis killed, calls keep being served.
 */
class QuotaClusterIT {
    private static final String ACME = "acme-key-0123456789";
    private static final String BETA = "beta-key-0123456789";

    @Test
    void aFleetQuotaOf100LetsExactly100CallsThroughThreeGateways(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(); TestBackend backend = new TestBackend("b")) {
            List<GatewayProcess> gateways = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) gateways.add(GatewayProcess.start(config(dir, i, redis, backend), "-Xmx256m"));
                for (GatewayProcess g : gateways) awaitRedis(g);

                // two clients per gateway, each calling until refused
                AtomicInteger passed = new AtomicInteger();
                Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
                List<Thread> clients = new ArrayList<>();
                for (GatewayProcess g : gateways) {
                    for (int c = 0; c < 2; c++) {
                        Thread t = new Thread(() -> {
                            try (RawHttp http = new RawHttp(g.port())) {
                                for (int i = 0; i < 80; i++) {
                                    int s = call(http, ACME);
                                    statuses.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet();
                                    if (s == 200) passed.incrementAndGet();
                                    else if (s == 429) break;
                                }
                            } catch (Exception e) {
                                statuses.computeIfAbsent(-1, k -> new AtomicInteger()).incrementAndGet();
                            }
                        });
                        t.start();
                        clients.add(t);
                    }
                }
                for (Thread t : clients) t.join();
                Map<Integer, Integer> seen = new TreeMap<>();
                statuses.forEach((s, n) -> seen.put(s, n.get()));
                System.out.println("fleet quota of 100 over 3 gateways: " + seen);
                assertThat(passed.get()).as(seen.toString()).isEqualTo(100);
                assertThat(seen.keySet()).containsOnly(200, 429);
                for (GatewayProcess g : gateways) {
                    try (RawHttp http = new RawHttp(g.port())) {
                        assertThat(call(http, ACME)).isEqualTo(429);
                    }
                }

                redis.kill();
                // each gateway goes on alone with its share (a third of what remained) of each quota
                for (GatewayProcess g : gateways) {
                    try (RawHttp http = new RawHttp(g.port())) {
                        for (int i = 0; i < 10; i++) assertThat(call(http, BETA)).as("beta, call " + (i + 1)).isEqualTo(200);
                        assertThat(call(http, ACME)).isEqualTo(429); // acme's quota stays used up
                    }
                }
                for (GatewayProcess g : gateways) {
                    assertThat(g.output()).contains("plan quotas fall back until it is back").doesNotContain("LEAK:");
                }
            } finally {
                for (GatewayProcess g : gateways) g.close();
            }
        }
    }

    private static int call(RawHttp http, String key) throws Exception {
        http.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\n\r\n");
        return http.read().status();
    }

    /**
     * A Redis answer slower than {@code redisTimeout} counts as Redis down, and then each node goes
     * on with its share: three cold JVMs on two cores can take longer than the default 500 ms for
     * their first scripts, which is an outage by that rule, not the fleet count this test is about.
     */
    private static Path config(Path dir, int node, RedisServer redis, TestBackend backend) throws Exception {
        Path file = dir.resolve("turnpike-" + node + ".yaml");
        Files.writeString(file, """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                storage: { dataDir: "%s" }
                cluster: { redis: "%s", expectedNodes: 3, redisTimeout: 5s }
                services:
                  svc: { nodes: [ "%s" ] }
                plans:
                  daily: { quota: 100/day }
                consumers:
                  - { id: acme, plan: daily, credentials: [ { apiKey: %s } ] }
                  - { id: beta, plan: daily, credentials: [ { apiKey: %s } ] }
                routes:
                  - { id: r, match: { path: "/**" }, service: svc, auth: [apiKey] }
                """.formatted(dir.resolve("data-" + node).toString().replace("\\", "/"), redis.uri(), backend.url(),
                ACME, BETA));
        return file;
    }

    /** Until the gateway counts quotas in Redis (before that it decides alone). */
    private static void awaitRedis(GatewayProcess g) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        // The connection itself, not the start-up line that names Redis: until it is up a node counts on its share.
        while (!(g.output().contains("plan quotas are counted fleet-wide") && g.output().contains("reachable: rate limits are shared"))) {
            if (System.nanoTime() > deadline) throw new AssertionError("the gateway did not reach Redis:\n" + g.output());
            Thread.sleep(50);
        }
    }
}
