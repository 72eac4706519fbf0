package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing of the gateway's environment, and no secret of its config, reaches an admin caller:
 * admin bodies are not expanded, problems never quote an environment value, and the config is
 * shown with secrets hidden by what they are.
 */
@ExtendWith(NoLeaks.class)
class AdminSecretsTest {
    private static final String SECRET = "s3cr3t-from-the-gateway-environment";
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

    /** The process's own environment (PATH, HOME, ...) plus a known secret and the admin token. */
    private static Map<String, String> env(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("ADMIN_TOKEN", AdminFixture.TOKEN);
        env.put("SECRET_ENV", SECRET);
        env.putAll(more);
        return env;
    }

    private AdminFixture start(String extra) throws Exception {
        return AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), extra), env(Map.of()));
    }

    @Test
    void validateTakesPlaceholdersAsWrittenAndNeverAnswersWithTheEnvironment() throws Exception {
        String path = System.getenv("PATH");
        assertThat(path).isNotBlank();
        try (AdminFixture f = start("")) {
            // the reported leak: a problem quoted the expanded value ("..." from "${SECRET_ENV}")
            HttpResponse<String> bad = f.admin("POST", "/admin/config/validate", """
                    server: { listen: "${SECRET_ENV}", drainTimeout: "${PATH}" }
                    services: { s: { nodes: ["http://${SECRET_ENV}:1"] } }
                    routes: [ { id: r, match: { path: /r }, service: s } ]
                    """);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("\\\"${SECRET_ENV}\\\"").contains("${PATH}")
                    .doesNotContain(SECRET).doesNotContain(path);
            // where a placeholder can stand as text, it is that text
            HttpResponse<String> good = f.admin("POST", "/admin/config/validate", """
                    server: { listen: "127.0.0.1:0" }
                    services: { s: { nodes: ["http://127.0.0.1:1"] } }
                    routes: [ { id: r, match: { path: /r, headers: { X-Tag: "${SECRET_ENV}" } }, service: s } ]
                    """);
            assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
            assertThat(good.body()).doesNotContain(SECRET);
        }
    }

    @Test
    void aChangeTakesPlaceholdersAsWritten() throws Exception {
        try (AdminFixture f = start("")) {
            HttpResponse<String> put = f.admin("PUT", "/admin/routes/tagged",
                    "{\"match\": {\"path\": \"/tagged\", \"headers\": {\"X-Tag\": \"${SECRET_ENV}\"}}, \"service\": \"svc\"}");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            // the route matches the text as written, not the gateway's secret
            assertThat(tagged(f, "${SECRET_ENV}")).isEqualTo(200);
            assertThat(tagged(f, SECRET)).isEqualTo(404);
            assertThat(f.admin("GET", "/admin/routes/tagged", null).body()).contains("${SECRET_ENV}").doesNotContain(SECRET);
            // in a template, ${NAME} reads as a {variable} that does not exist: refused, still not expanded
            HttpResponse<String> template = f.admin("PUT", "/admin/routes/echo", """
                    {"match": {"path": "/echo"}, "service": "svc",
                     "transform": {"default": {"request": {"headers": {"set": {"X-From-Env": "${SECRET_ENV}"}}}}}}""");
            assertThat(template.statusCode()).isEqualTo(400);
            assertThat(template.body()).contains("uses {SECRET_ENV}, which is not defined").doesNotContain(SECRET);
        }
    }

    private static int tagged(AdminFixture f, String tag) throws Exception {
        return AdminFixture.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.gateway.port() + "/tagged"))
                .header("X-Tag", tag).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aSecretThatLooksLikeAPlaceholderIsRefused() throws Exception {
        try (AdminFixture f = start("  - { id: keyed, match: { path: /keyed }, service: svc, auth: [apiKey] }\n")) {
            HttpResponse<String> put = f.admin("PUT", "/admin/consumers/partner",
                    "{\"credentials\": [{\"apiKey\": \"${SECRET_ENV}\"}]}");
            assertThat(put.statusCode()).isEqualTo(400);
            assertThat(Json.parse(put.body()).at("/problems/0").asText()).isEqualTo(
                    "PUT /admin/consumers/partner:1:29: consumers[0].credentials[0].apiKey: the value (not shown: it is a "
                            + "secret) has a ${...}, which is not expanded in what the admin API is sent (expected: the "
                            + "secret itself; placeholders are expanded in the config file only)");
            assertThat(put.body()).doesNotContain(SECRET);
            assertThat(f.admin("GET", "/admin/consumers/partner", null).statusCode()).isEqualTo(404);
            for (String key : List.of(SECRET, "${SECRET_ENV}")) {
                int status = AdminFixture.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + f.gateway.port() + "/keyed")).header("X-API-Key", key).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
                assertThat(status).as(key).isEqualTo(401);
            }
        }
    }

    @Test
    void problemsAboutTheFileNeverQuoteItsEnvironment() throws Exception {
        String yaml = AdminFixture.config(dir, backend.url(), "  - { id: orders, match: { path: /orders }, service: \"${ORDERS}\" }\n")
                .replace("services:\n", "services:\n  orders-7f3a9c: { nodes: [ \"" + backend.url() + "\" ] }\n");
        try (AdminFixture f = AdminFixture.start(dir, yaml, env(Map.of("ORDERS", "orders-7f3a9c")))) {
            assertThat(f.traffic("/orders").statusCode()).isEqualTo(200);
            HttpResponse<String> delete = f.admin("DELETE", "/admin/services/orders-7f3a9c", null);
            assertThat(delete.statusCode()).isEqualTo(400);
            assertThat(Json.parse(delete.body()).at("/problems/0").asText())
                    .isEqualTo(f.file + ":12:54: routes[1].service: " + WITHHELD);
            assertThat(delete.body()).doesNotContain("orders-7f3a9c");
            assertThat(f.traffic("/orders").statusCode()).isEqualTo(200);
        }
    }

    private static final String WITHHELD = "the message is not shown: it would quote a value the config file takes "
            + "from the environment (expected: a change that fits the file's entry at this place)";

    @Test
    void theConfigIsShownWithSecretsHiddenByWhatTheyAre() throws Exception {
        String extra = """
                  - id: upstream
                    match: { path: /echo }
                    service: svc
                    transform:
                      default:
                        request:
                          headers:
                            set:
                              X-Upstream-Key: { value: "upstr3am-k3y-inline", secret: true }
                              Authorization: "Bearer bear3r-inline"
                              X-Plain: visible
                          query: { set: { sig: { value: "qu3ry-s1g", secret: true }, page: "1" } }
                cluster: { redis: "redis://default:r3dis-pa55w0rd@127.0.0.1:1" }
                alerts:
                  channels:
                    ops:
                      webhook: https://hooks.example.com/services/T0/B0/w3bhook-path-s3cret
                      headers: { Authorization: "Bearer al3rt-t0ken", X-Team: ops }
                """;
        try (AdminFixture f = start(extra)) {
            for (String source : List.of("effective", "file")) {
                HttpResponse<String> r = f.admin("GET", "/admin/config?source=" + source, null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).doesNotContain("r3dis-pa55w0rd").doesNotContain("al3rt-t0ken")
                        .doesNotContain("upstr3am-k3y").doesNotContain("bear3r-inline").doesNotContain("qu3ry-s1g")
                        .doesNotContain("w3bhook-path-s3cret");
                JsonNode c = Json.parse(r.body());
                assertThat(c.at("/cluster/redis").asText()).isEqualTo("redis://default:***@127.0.0.1:1");
                assertThat(c.at("/alerts/channels/ops/webhook").asText()).isEqualTo("https://hooks.example.com/***redacted***");
                assertThat(c.at("/alerts/channels/ops/headers/Authorization").asText()).isEqualTo(Redaction.REDACTED);
                assertThat(c.at("/alerts/channels/ops/headers/X-Team").asText()).isEqualTo(Redaction.REDACTED);
                JsonNode request = c.at("/routes/1/transform/default/request");
                assertThat(request.at("/headers/set/X-Upstream-Key/value").asText()).isEqualTo(Redaction.REDACTED);
                assertThat(request.at("/headers/set/X-Upstream-Key/secret").asBoolean()).isTrue();
                assertThat(request.at("/headers/set/Authorization").asText()).isEqualTo(Redaction.REDACTED);
                assertThat(request.at("/headers/set/X-Plain").asText()).isEqualTo("visible");
                assertThat(request.at("/query/set/sig/value").asText()).isEqualTo(Redaction.REDACTED);
                assertThat(request.at("/query/set/page").asText()).isEqualTo("1");
            }
            assertThat(f.admin("GET", "/admin/routes/upstream", null).body()).doesNotContain("upstr3am-k3y");
            // hidden from view only: the upstream gets the real values
            JsonNode echoed = Json.parse(f.traffic("/echo").body());
            assertThat(echoed.at("/headers/x-upstream-key").asText()).isEqualTo("upstr3am-k3y-inline");
            assertThat(echoed.at("/uri").asText()).contains("sig=qu3ry-s1g");
        }
    }

    @Test
    void urlPasswordsAreHiddenAndTheRestKept() {
        assertThat(UrlPasswords.mask("postgresql://gw:pa55@db:5432/turnpike?sslmode=require"))
                .isEqualTo("postgresql://gw:***@db:5432/turnpike?sslmode=require");
        assertThat(UrlPasswords.mask("redis://pa55@cache:6379")).isEqualTo("redis://***@cache:6379");
        assertThat(UrlPasswords.mask("rediss://:pa55@cache:6379/0")).isEqualTo("rediss://:***@cache:6379/0");
        assertThat(UrlPasswords.mask("jdbc:postgresql://db/gw?user=gw&password=pa55&ssl=true#x"))
                .isEqualTo("jdbc:postgresql://db/gw?user=gw&password=***&ssl=true#x");
        assertThat(UrlPasswords.mask("http://user@host/a@b")).isEqualTo("http://user@host/a@b");
        assertThat(UrlPasswords.mask("http://10.0.0.5:9001")).isEqualTo("http://10.0.0.5:9001");
        assertThat(UrlPasswords.mask("/users/{id}")).isEqualTo("/users/{id}");
    }
}
