package io.turnpike;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.turnpike.testing.GatewayProcess;
import io.turnpike.testing.PostgresServer;
import io.turnpike.testing.TestBackend;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateway processes sharing their admin state through one real PostgreSQL: what one node is
 * told, the other two serve within a second (measured and printed); a stale If-Match gets 412;
 * the store killed and restarted under traffic fails no request; a node restarted while the store
 * is down serves its last state.
 */
class FleetIT {
    private static final String TOKEN = "fleet-it-token-7Jq2-never-logged";
    private static final String KEY = "fleet-partner-key-0123456789";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Path> configs = new ArrayList<>();
    private final List<Integer> adminPorts = new ArrayList<>();

    @Test
    void threeGatewaysActAsOneAndSurviveTheirStore(@TempDir Path dir) throws Exception {
        assumeFalse(PostgresServer.skipped(), "PostgreSQL tests skipped (-Dturnpike.postgres=skip)");
        try (PostgresServer pg = PostgresServer.start(); TestBackend backend = new TestBackend("b")) {
            List<GatewayProcess> nodes = new ArrayList<>();
            try {
                for (String id : List.of("a", "b", "c")) {
                    configs.add(config(dir, id, pg.url(), backend.url()));
                    nodes.add(GatewayProcess.start(configs.getLast(), "-Xmx192m"));
                }
                for (GatewayProcess n : nodes) awaitLog(n, "answers; this node is at version", 1);
                GatewayProcess a = nodes.get(0);
                GatewayProcess b = nodes.get(1);
                GatewayProcess c = nodes.get(2);

                // A first change warms each JVM's path through binding and applying (printed, not asserted).
                long start = System.nanoTime();
                assertThat(admin(0, "PUT", "/admin/routes/warm", "{\"match\": {\"path\": \"/warm\"}, \"service\": \"svc\"}", null)
                        .statusCode()).isEqualTo(200);
                long warmPut = (System.nanoTime() - start) / 1_000_000;
                long[] warm = {until(b, "/warm", null, 200, start), until(c, "/warm", null, 200, start)};
                System.out.printf("first change on cold JVMs: PUT answered in %d ms; served by b and c after %s ms%n",
                        warmPut, java.util.Arrays.toString(warm));

                // A route, a plan and a consumer, and a circuit order, made on a; b and c serve them.
                // Each delay runs from the moment a's PUT answered (the change is in the store) until served.
                assertThat(admin(0, "PUT", "/admin/routes/r1", "{\"match\": {\"path\": \"/r1\"}, \"service\": \"svc\"}", null)
                        .statusCode()).isEqualTo(200);
                start = System.nanoTime();
                long[] route = {until(b, "/r1", null, 200, start), until(c, "/r1", null, 200, start)};
                assertThat(admin(0, "PUT", "/admin/plans/gold", "{\"rateLimit\": \"1000/s\"}", null).statusCode()).isEqualTo(200);
                assertThat(admin(0, "PUT", "/admin/consumers/partner",
                        "{\"plan\": \"gold\", \"credentials\": [{\"apiKey\": \"" + KEY + "\"}]}", null).statusCode()).isEqualTo(200);
                start = System.nanoTime();
                long[] consumer = {until(b, "/keyed", KEY, 200, start), until(c, "/keyed", KEY, 200, start)};
                assertThat(admin(0, "PUT", "/admin/plans/gold", "{\"rateLimit\": \"1/min\"}", null).statusCode()).isEqualTo(200);
                start = System.nanoTime();
                long[] plan = {until(b, "/keyed", KEY, 429, start), until(c, "/keyed", KEY, 429, start)};
                assertThat(admin(0, "PUT", "/admin/services/svc/circuit", "{\"state\": \"open\", \"reason\": \"fleet test\"}", null)
                        .statusCode()).isEqualTo(200);
                start = System.nanoTime();
                long[] circuit = {until(b, "/hello", null, 503, start), until(c, "/hello", null, 503, start)};
                System.out.printf("fleet propagation (ms, to b and c): route %s, consumer %s, plan %s, circuit order %s%n",
                        java.util.Arrays.toString(route), java.util.Arrays.toString(consumer),
                        java.util.Arrays.toString(plan), java.util.Arrays.toString(circuit));
                for (long[] ms : List.of(route, consumer, plan, circuit)) assertThat(java.util.Arrays.stream(ms).max().orElseThrow()).isLessThan(1_000);
                assertThat(admin(0, "PUT", "/admin/services/svc/circuit", "{\"state\": \"auto\"}", null).statusCode()).isEqualTo(200);
                until(b, "/hello", null, 200, System.nanoTime());

                // Every member is listed with the version it applied; b's metrics say the same.
                String cluster = admin(0, "GET", "/admin/cluster", null, null).body();
                for (String id : List.of("\"a\"", "\"b\"", "\"c\"")) assertThat(cluster).contains("\"id\" : " + id);
                assertThat(cluster).contains("\"configVersion\"").contains("\"lastSeen\"").contains("\"address\"");
                String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts.get(1) + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("turnpike_cluster_config_version 7.0").contains("turnpike_cluster_store_up 1.0");

                // Lost updates: b's write with the tag it read lands; a's with the same tag is refused.
                String tag = admin(1, "GET", "/admin/routes/r1", null, null).headers().firstValue("etag").orElseThrow();
                assertThat(admin(1, "PUT", "/admin/routes/r1", "{\"match\": {\"path\": \"/r1\"}, \"service\": \"svc\", \"timeout\": \"5s\"}", tag)
                        .statusCode()).isEqualTo(200);
                HttpResponse<String> stale = admin(0, "PUT", "/admin/routes/r1", "{\"match\": {\"path\": \"/r1\"}, \"service\": \"svc\"}", tag);
                assertThat(stale.statusCode()).isEqualTo(412);

                // The store killed and restarted while a client keeps calling b: no request fails.
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger ok = new AtomicInteger();
                List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
                Thread client = Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        try {
                            int s = call(b, "/r1", null).statusCode();
                            if (s == 200) ok.incrementAndGet(); else failed.add("status " + s);
                        } catch (Exception e) {
                            failed.add(e.toString());
                        }
                    }
                });
                Thread.sleep(300);
                pg.kill();
                awaitLog(a, "the shared store does not answer", 1);
                long t = System.nanoTime();
                HttpResponse<String> down = admin(0, "PUT", "/admin/routes/r2", "{\"match\": {\"path\": \"/r2\"}, \"service\": \"svc\"}", null);
                long downMs = (System.nanoTime() - t) / 1_000_000;
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.headers().firstValue("content-type")).hasValue("application/problem+json");
                Thread.sleep(1_000);
                pg.restart();
                awaitLog(a, "answers; this node is at version", 2);
                start = System.nanoTime();
                assertThat(admin(0, "PUT", "/admin/routes/r2", "{\"match\": {\"path\": \"/r2\"}, \"service\": \"svc\"}", null)
                        .statusCode()).isEqualTo(200);
                long afterStore = until(b, "/r2", null, 200, start);
                // c too has r2 before the store goes again: the restart below is to serve c's last state
                // (c may reconnect to the store later than a and b, with its own back-off)
                until(c, "/r2", null, 200, start);
                Thread.sleep(300);
                running.set(false);
                client.join();
                System.out.printf("store down and back: %d calls to b, %d failed; a refused a write in %d ms; "
                        + "b took the next change in %d ms%n", ok.get(), failed.size(), downMs, afterStore);
                assertThat(failed).isEmpty();
                assertThat(ok.get()).isGreaterThan(100);

                // A node restarted while the store is down serves its last state.
                pg.kill();
                c.close();
                c = GatewayProcess.start(configs.get(2), "-Xmx192m");
                nodes.set(2, c);
                assertThat(call(c, "/r2", null).statusCode()).isEqualTo(200);
                assertThat(call(c, "/keyed", KEY).statusCode()).isIn(200, 429);
                assertThat(c.output()).contains("from " + dir.resolve("c").resolve("fleet-state.json"));
                pg.restart();
                awaitLog(c, "answers; this node is at version", 1);
            } finally {
                for (GatewayProcess n : nodes) n.close();
            }
        }
    }

    private Path config(Path dir, String id, String store, String backendUrl) throws Exception {
        int adminPort;
        try (ServerSocket s = new ServerSocket(0)) {
            adminPort = s.getLocalPort();
        }
        adminPorts.add(adminPort);
        Path file = dir.resolve(id + ".yaml");
        Files.writeString(file, """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: "127.0.0.1:%d", token: "%s" }
                observe: { accessLog: { enabled: false } }
                storage: { dataDir: "%s" }
                cluster: { id: %s, store: "%s" }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: hello, match: { path: /hello }, service: svc }
                  - { id: keyed, match: { path: /keyed }, service: svc, auth: [apiKey] }
                """.formatted(adminPort, TOKEN, dir.resolve(id), id, store, backendUrl));
        return file;
    }

    private HttpResponse<String> admin(int node, String method, String path, String body, String ifMatch) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts.get(node) + path))
                .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (ifMatch != null) r.header("If-Match", ifMatch);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> call(GatewayProcess g, String path, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(g.url(path))).timeout(Duration.ofSeconds(5));
        if (key != null) r.header("X-API-Key", key);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Milliseconds from {@code since} until {@code path} answers {@code status} on {@code g} (fails after 5 s). */
    private static long until(GatewayProcess g, String path, String key, int status, long since) throws Exception {
        while (call(g, path, key).statusCode() != status) {
            if (System.nanoTime() - since > 5_000_000_000L) throw new AssertionError(path + " never answered " + status);
            Thread.sleep(2);
        }
        return (System.nanoTime() - since) / 1_000_000;
    }

    /** Until {@code g} has logged {@code text} at least {@code times} times. */
    private static void awaitLog(GatewayProcess g, String text, int times) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (g.output().split(java.util.regex.Pattern.quote(text), -1).length - 1 < times) {
            if (System.nanoTime() > deadline) throw new AssertionError("never logged \"" + text + "\":\n" + g.output());
            Thread.sleep(20);
        }
    }
}
