package io.turnpike.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.admin.AdminServer;
import io.turnpike.config.ConfigSources;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Nodes that are not in the config: DNS names re-resolved, and nodes that register themselves. */
@ExtendWith(NoLeaks.class)
class DiscoveryTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static int status(Gateway g) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read().status();
        }
    }

    private static Gateway gateway(Path dir, String service) throws Exception {
        Path file = dir.resolve("turnpike.yaml");
        Files.writeString(file, """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: "127.0.0.1:0" }
                storage: { dataDir: "%s" }
                observe: { accessLog: { enabled: false } }
                services:
                  svc:
                %s
                routes:
                  - { id: all, match: { path: "/**" }, service: svc }
                """.formatted(dir.resolve("data"), service));
        ConfigSources.Opened opened = ConfigSources.open(file, Files.readAllBytes(file), name -> null);
        assertThat(opened.problems()).isEmpty();
        return Gateway.start(opened.sources().current());
    }

    @Test
    void aDnsNameBecomesTheServicesNodes(@TempDir Path dir) throws Exception {
        try (TestBackend b = new TestBackend("dns")) {
            // localhost resolves through the system resolver here: one node, 127.0.0.1 (and ::1 where present)
            try (Gateway g = gateway(dir, "    discovery: { dns: \"localhost:" + b.port() + "\", refresh: 200ms }")) {
                assertThat(g.snapshot().services().get("svc").nodes())
                        .extracting(Node::key).contains("127.0.0.1:" + b.port());
                assertThat(status(g)).isEqualTo(200);
            }
        }
    }

    @Test
    void registeredNodesServeUntilTheirTtlLapsesWithoutAHeartbeat(@TempDir Path dir) throws Exception {
        try (TestBackend b = new TestBackend("registered");
             Gateway g = gateway(dir, "    registration: { ttl: 1s }")) {
            assertThat(status(g)).isEqualTo(503); // no node yet: 503 no-healthy-node at once
            Path file = dir.resolve("turnpike.yaml");
            ConfigSources.Opened opened = ConfigSources.open(file, Files.readAllBytes(file), name -> null);
            try (AdminServer admin = AdminServer.start(opened.sources(), g, () -> "")) {
                String base = "http://127.0.0.1:" + admin.port() + "/admin/services/svc/registrations";
                HttpResponse<String> reg = HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"" + b.url() + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(reg.statusCode()).as(reg.body()).isEqualTo(200);
                assertThat(status(g)).isEqualTo(200);
                // heartbeats keep it in
                for (int i = 0; i < 3; i++) {
                    Thread.sleep(500);
                    HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"" + b.url() + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(status(g)).isEqualTo(200);
                }
                // no more heartbeats: within ttl + the 1 s sweep it leaves the rotation
                long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
                int s = 200;
                while (s == 200 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    s = status(g);
                }
                assertThat(s).isEqualTo(503);
                // and an explicit deregistration takes it out at once
                HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"url\": \"" + b.url() + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(status(g)).isEqualTo(200);
                HttpResponse<String> del = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/127.0.0.1:" + b.port()))
                        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(del.statusCode()).isEqualTo(204);
                assertThat(status(g)).isEqualTo(503);
            }
        }
    }

    @Test
    void aServiceWithoutRegistrationRefusesThem(@TempDir Path dir) throws Exception {
        try (TestBackend b = new TestBackend("static");
             Gateway g = gateway(dir, "    nodes: [ \"" + b.url() + "\" ]")) {
            assertThat(g.discovery().acceptsRegistrations("svc")).isFalse();
            assertThat(g.discovery().register("svc", "http://127.0.0.1:1", 1)).isNull();
        }
    }

    @Test
    void aChangedDnsAnswerMovesTrafficWithoutLosingRequests(@TempDir Path dir) throws Exception {
        try (TestBackend one = new TestBackend("one")) {
            // a resolver the test controls: the name first answers 127.0.0.1, then 127.0.0.2
            java.util.concurrent.atomic.AtomicReference<String> answer = new java.util.concurrent.atomic.AtomicReference<>("127.0.0.1");
            try (Gateway g = gateway(dir, "    discovery: { dns: \"orders.test:" + one.port() + "\", refresh: 100ms }")) {
                g.discovery().resolver(name -> new java.net.InetAddress[] {java.net.InetAddress.getByName(answer.get())});
                g.discovery().refreshNow();
                assertThat(g.snapshot().services().get("svc").nodes()).extracting(Node::key)
                        .containsExactly("127.0.0.1:" + one.port());
                assertThat(status(g)).isEqualTo(200);
                Node before = g.snapshot().services().get("svc").nodes().get(0);
                // the name moves to another address: the next refresh replaces the node
                answer.set("127.0.0.2");
                long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < deadline && g.snapshot().services().get("svc").nodes().get(0) == before) {
                    Thread.sleep(20);
                }
                assertThat(g.snapshot().services().get("svc").nodes()).extracting(Node::key)
                        .containsExactly("127.0.0.2:" + one.port());
                // a resolver failure keeps the last answer
                g.discovery().resolver(name -> { throw new java.net.UnknownHostException(name); });
                g.discovery().refreshNow();
                assertThat(g.snapshot().services().get("svc").nodes()).extracting(Node::key)
                        .containsExactly("127.0.0.2:" + one.port());
            }
        }
    }
}
