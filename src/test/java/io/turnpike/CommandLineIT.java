package io.turnpike;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.GatewayProcess;
import io.turnpike.testing.KeepAliveLoad;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar driven the way an operator drives it: validate, run, edit the file, SIGTERM. */
class CommandLineIT {

    private static String config(String backendUrl, String extraRoute) {
        return """
                server:
                  listen: 127.0.0.1:0
                  eventLoops: 2
                  drainTimeout: 5s
                admin:
                  listen: "127.0.0.1:0"
                services:
                  svc:
                    nodes: [ "%s" ]
                routes:
                  - id: all
                    match: { path: "/**" }
                    service: svc
                %s""".formatted(backendUrl, extraRoute);
    }

    @Test
    void validatePrintsEveryProblemWithItsLocation(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                server:
                  listen: 127.0.0.1:8080
                  limits: { maxBodyBytes: 10XB, headerTimeout: soon }
                services:
                  users:
                    nodes: [ "http://127.0.0.1:9001", "not a url" ]
                routes:
                  - id: a
                    match: { path: /a }
                    service: users
                  - id: a
                    match: { path: /b }
                    service: nobody
                    colour: blue
                """);
        GatewayProcess.Result r = GatewayProcess.run(List.of(), "validate", "-c", bad.toString());
        assertThat(r.exit()).isNotZero();
        String f = bad.toString();
        assertThat(r.output())
                .contains(f + ":3:27: server.limits.maxBodyBytes:")
                .contains(f + ":3:48: server.limits.headerTimeout:")
                .contains(f + ":6:39: services.users.nodes[1]:")
                .contains(f + ":11:9: routes[1].id:")
                .contains(f + ":13:14: routes[1].service:")
                .contains(f + ":14:5: routes[1]: unknown key \"colour\"");
    }

    @Test
    void validateSaysOkWithASummary(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, config("http://127.0.0.1:9001", ""));
        GatewayProcess.Result r = GatewayProcess.run(List.of(), "validate", "-c", good.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().trim()).isEqualTo("ok: 1 services, 1 nodes, 1 routes");
    }

    @Test
    void editsToTheFileApplyUnderLoadWithoutAFailedRequest(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            Path file = dir.resolve("turnpike.yaml");
            Files.writeString(file, config(backend.url(), ""));
            try (GatewayProcess gw = GatewayProcess.start(file)) {
                KeepAliveLoad load = KeepAliveLoad.start(gw.port(), "/hello", 16);
                int reloads = 0;
                for (int i = 1; i <= 50; i++) {
                    String extra = """
                              - id: extra
                                match: { path: /extra/%d }
                                service: svc
                            """.formatted(i);
                    Files.writeString(file, config(backend.url(), extra));
                    // wait until this edit is live before making the next one
                    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    while (System.nanoTime() < deadline) {
                        try (RawHttp c = new RawHttp(gw.port())) {
                            c.send("GET /extra/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                            if (c.read().status() == 200 && backend.requests.get() > 0) break;
                        }
                        Thread.sleep(50);
                    }
                    reloads++;
                }
                // a broken edit is refused, and the last good config keeps serving
                Files.writeString(file, config(backend.url(), "  - id: broken\n    match: { path: nope }\n"));
                long refusedBy = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // until the watcher has read it
                while (!gw.output().contains("routes[1].match.path") && System.nanoTime() < refusedBy) Thread.sleep(20);
                load.close();
                assertThat(reloads).isEqualTo(50);
                assertThat(load.failures()).isEmpty();
                assertThat(load.ok()).isGreaterThan(1000);
                assertThat(gw.output()).contains("routes[1].match.path").contains(file + ":");
                assertThat(gw.output()).doesNotContain("LEAK:");
                try (RawHttp c = new RawHttp(gw.port())) {
                    c.send("GET /extra/50 HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().status()).isEqualTo(200);
                }
            }
        }
    }

    @Test
    void sigtermDrainsRequestsInFlight(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            Path file = dir.resolve("turnpike.yaml");
            Files.writeString(file, config(backend.url(), ""));
            GatewayProcess gw = GatewayProcess.start(file);
            try (RawHttp slow = new RawHttp(gw.port())) {
                slow.send("GET /slow/800 HTTP/1.1\r\nHost: x\r\n\r\n");
                long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (backend.requests.get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
                gw.sigterm();
                RawHttp.Response r = slow.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("slow b");
                int exit = gw.terminate(10);
                assertThat(exit).as(gw.output()).isNotEqualTo(-1);
                assertThat(gw.output()).as("exit " + exit).contains("drain");
            }
        }
    }
    @Test
    void metricsOnTheAdminPortAndTheAccessLogOnStdoutFollowTheTraffic(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            Path file = dir.resolve("turnpike.yaml");
            Files.writeString(file, config(backend.url(), "").replace("admin:\n",
                    "storage: { dataDir: \"" + dir.resolve("data") + "\" }\nadmin:\n"));
            try (GatewayProcess gw = GatewayProcess.start(file)) {
                for (int i = 0; i < 3; i++) {
                    try (RawHttp c = new RawHttp(gw.port())) {
                        c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: it-" + i + "\r\n\r\n");
                        assertThat(c.read().status()).isEqualTo(200);
                    }
                }
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("admin API on http://127.0.0.1:(\\d+)")
                        .matcher(gw.output());
                assertThat(m.find()).as(gw.output()).isTrue();
                java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                "http://127.0.0.1:" + m.group(1) + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.body()).containsPattern(
                        "turnpike_requests_total\\{[^}]*route=\"all\"[^}]*status=\"2xx\"[^}]*} 3\\.0");
                assertThat(gw.terminate(10)).isNotEqualTo(-1);
                List<String> lines = gw.output().lines().filter(l -> l.startsWith("{")).toList();
                assertThat(lines).hasSize(3);
                for (int i = 0; i < 3; i++) {
                    var line = io.turnpike.testing.Json.parse(lines.get(i));
                    assertThat(line.get("requestId").asText()).isEqualTo("it-" + i);
                    assertThat(line.get("route").asText()).isEqualTo("all");
                    assertThat(line.get("status").asInt()).isEqualTo(200);
                }
            }
        }
    }
}
