package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin listener without a token, as a page in the operator's browser would meet it: a
 * rebound name, another site's Origin, a form's content type. Raw requests, so Host is ours to set.
 */
@ExtendWith(NoLeaks.class)
class CrossSiteAdminTest {
    private static final String ROUTE = "{\"match\": {\"path\": \"/added\"}, \"service\": \"svc\"}";
    private static TestBackend backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() throws Exception {
        backend = new TestBackend("b1");
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }

    private AdminFixture open() throws Exception {
        return AdminFixture.start(dir, AdminFixture.tokenless(AdminFixture.config(dir, backend.url(), "")));
    }

    @Test
    void aRebindingHostIsRefusedButHealthAndReadinessAnswerAnyHost() throws Exception {
        try (AdminFixture f = open()) {
            int port = f.admin.port();
            for (String path : List.of("/admin/config", "/admin/routes", "/metrics", "/")) {
                for (String host : List.of("evil.example:" + port, "evil.example", "0.0.0.0:" + port,
                        "127.0.0.1.evil.example:" + port, "localhost.evil.example")) {
                    RawHttp.Response r = send(port, "GET", path, "Host: " + host + "\r\n", null);
                    assertThat(r.status()).as(host + " " + path).isEqualTo(403);
                    assertThat(r.header("content-type")).isEqualTo("application/problem+json");
                    assertThat(Json.parse(r.body()).get("type").asText()).endsWith("/foreign-host");
                }
            }
            assertThat(send(port, "GET", "/admin/config", "", null).status()).as("no Host").isEqualTo(403);
            assertThat(send(port, "GET", "/admin/config", "Host: 127.0.0.1\r\nHost: evil.example\r\n", null).status())
                    .as("two Hosts").isEqualTo(403);
            // a rebound page cannot write either
            RawHttp.Response put = send(port, "PUT", "/admin/routes/added",
                    "Host: evil.example:" + port + "\r\nContent-Type: application/json\r\n", ROUTE);
            assertThat(put.status()).isEqualTo(403);
            assertThat(f.admin("GET", "/admin/routes/added", null, null).statusCode()).isEqualTo(404);
            // load balancers probe with a Host of their own
            assertThat(send(port, "GET", "/health", "Host: evil.example\r\n", null).status()).isEqualTo(200);
            assertThat(send(port, "GET", "/ready", "Host: lb.internal:8080\r\n", null).status()).isEqualTo(200);
        }
    }

    @Test
    void loopbackNamesAndAddressesAreServed() throws Exception {
        try (AdminFixture f = open()) {
            int port = f.admin.port();
            for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost",
                    "127.8.9.10:" + port, "[::1]:" + port, "[::1]", "dashboard.localhost:" + port, "localhost.")) {
                assertThat(send(port, "GET", "/admin/routes", "Host: " + host + "\r\n", null).status()).as(host)
                        .isEqualTo(200);
            }
        }
    }

    @Test
    void onlyLoopbackHostsCount() {
        assertThat(List.of("localhost", "localhost:9080", "a.localhost", "127.0.0.1:1", "127.255.255.254", "[::1]:9080",
                "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]")).allMatch(CrossSiteGuard::loopbackHost);
        assertThat(List.of("", "evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "0.0.0.0", "127.1",
                "127.0.0.256", "10.0.0.1:9080", "[::]", "[fe80::1%25eth0]", "[::1", "localhost:abc", "localhost:",
                ".localhost", "a..localhost", "::1", "[::1]x")).noneMatch(CrossSiteGuard::loopbackHost);
    }

    @Test
    void anotherSitesOriginIsRefusedAndTheListenersOwnIsServed() throws Exception {
        try (AdminFixture f = open()) {
            int port = f.admin.port();
            String host = "Host: 127.0.0.1:" + port + "\r\n";
            for (String origin : List.of("http://evil.example", "null", "http://localhost:" + port,
                    "https://127.0.0.1:" + port, "http://127.0.0.1:" + port + ", http://evil.example")) {
                RawHttp.Response r = send(port, "GET", "/admin/config", host + "Origin: " + origin + "\r\n", null);
                assertThat(r.status()).as(origin).isEqualTo(403);
                assertThat(Json.parse(r.body()).get("type").asText()).endsWith("/foreign-origin");
            }
            RawHttp.Response foreign = send(port, "PUT", "/admin/routes/added",
                    host + "Origin: http://evil.example\r\nContent-Type: application/json\r\n", ROUTE);
            assertThat(foreign.status()).isEqualTo(403);
            assertThat(f.traffic("/added").statusCode()).isEqualTo(404);
            // the dashboard's own calls: same origin
            RawHttp.Response own = send(port, "PUT", "/admin/routes/added",
                    host + "Origin: http://127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n", ROUTE);
            assertThat(own.status()).as(own.body()).isEqualTo(200);
            assertThat(f.traffic("/added").statusCode()).isEqualTo(200);
            assertThat(send(port, "GET", "/admin/routes", "Host: localhost:" + port + "\r\nOrigin: http://LOCALHOST:"
                    + port + "\r\n", null).status()).isEqualTo(200);
        }
    }

    @Test
    void writesWithABodyMustBeJsonOrYaml() throws Exception {
        try (AdminFixture f = open()) {
            int port = f.admin.port();
            String host = "Host: 127.0.0.1:" + port + "\r\n";
            for (String type : List.of("Content-Type: application/x-www-form-urlencoded\r\n",
                    "Content-Type: text/plain\r\n", "Content-Type: multipart/form-data; boundary=x\r\n", "")) {
                RawHttp.Response r = send(port, "PUT", "/admin/routes/added", host + type, ROUTE);
                assertThat(r.status()).as(type).isEqualTo(415);
                assertThat(r.header("content-type")).isEqualTo("application/problem+json");
                assertThat(r.header("accept")).isEqualTo("application/json, application/yaml");
                assertThat(send(port, "POST", "/admin/alerts/any/silence", host + type, "{\"for\": \"30m\"}").status())
                        .isEqualTo(415);
            }
            assertThat(f.traffic("/added").statusCode()).isEqualTo(404);
            String yaml = "server: { listen: \"127.0.0.1:0\" }\nservices: { s: { nodes: [\"http://127.0.0.1:1\"] } }\n"
                    + "routes: [ { id: r, match: { path: /r }, service: s } ]\n";
            RawHttp.Response validate = send(port, "POST", "/admin/config/validate", host
                    + "Content-Type: application/yaml\r\n", yaml);
            assertThat(validate.status()).as(validate.body()).isEqualTo(200);
            RawHttp.Response json = send(port, "PUT", "/admin/routes/added",
                    host + "Content-Type: application/json; charset=utf-8\r\n", ROUTE);
            assertThat(json.status()).as(json.body()).isEqualTo(200);
            // a write without a body needs no Content-Type
            assertThat(send(port, "DELETE", "/admin/routes/added", host, null).status()).isEqualTo(204);
            assertThat(f.traffic("/added").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void withATokenNoneOfTheseChecksStopsARequestThatHasIt() throws Exception {
        try (AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            int port = f.admin.port();
            String foreign = "Host: evil.example\r\nOrigin: http://evil.example\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\n";
            RawHttp.Response withToken = send(port, "PUT", "/admin/routes/added",
                    foreign + "Authorization: Bearer " + AdminFixture.TOKEN + "\r\n", ROUTE);
            assertThat(withToken.status()).as(withToken.body()).isEqualTo(200);
            assertThat(f.traffic("/added").statusCode()).isEqualTo(200);
            assertThat(send(port, "GET", "/metrics", "Host: evil.example\r\n", null).status()).isEqualTo(200);
            // and the token is what stops the others
            assertThat(send(port, "DELETE", "/admin/routes/added", foreign, null).status()).isEqualTo(401);
        }
    }

    /** One request on its own connection; {@code headers} are whole lines, Host among them or not. */
    private static RawHttp.Response send(int port, String method, String path, String headers, String body)
            throws Exception {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (RawHttp c = new RawHttp(port)) {
            c.send(method + " " + path + " HTTP/1.1\r\n" + headers + "Content-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n");
            c.sendBytes(bytes);
            return c.read(false);
        }
    }
}
