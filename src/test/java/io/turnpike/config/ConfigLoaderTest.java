package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void fillsInDefaultsForAMinimalFile() {
        GatewayConfig c = good("""
                services:
                  users: { nodes: [http://127.0.0.1:9001] }
                routes:
                  - { id: users, match: { path: /users/** }, service: users }
                """);
        assertThat(c.server()).isEqualTo(ServerSettings.DEFAULT);
        ServiceSpec users = c.services().get("users");
        assertThat(users.loadBalancer()).isEqualTo("round-robin");
        assertThat(users.timeouts()).isEqualTo(ServiceSpec.Timeouts.DEFAULT);
        assertThat(users.pool()).isEqualTo(ServiceSpec.Pool.DEFAULT);
        assertThat(users.nodes()).containsExactly(new NodeSpec("http://127.0.0.1:9001", "127.0.0.1", 9001, 1));
        RouteSpec route = c.routes().get(0);
        assertThat(route.rewrite()).isEqualTo(RouteSpec.Rewrite.NONE);
        assertThat(route.timeout()).isNull();
        assertThat(route.match().hosts()).isEmpty();
        assertThat(route.match().methods()).isEmpty();
    }

    @Test
    void readsEveryServerSetting() {
        GatewayConfig c = good("""
                server:
                  listen: 127.0.0.1:9090
                  eventLoops: 2
                  drainTimeout: 0
                  limits: { maxHeaderBytes: 16KiB, maxUriBytes: 4KB, maxBodyBytes: 1GiB, headerTimeout: 250ms,
                            idleTimeout: 2m, maxConnections: 10 }
                """);
        assertThat(c.server()).isEqualTo(new ServerSettings("127.0.0.1", 9090,
                new Limits(16 * 1024, 4000, 1L << 30, Duration.ofMillis(250), Duration.ofMinutes(2), 10),
                2, Duration.ZERO));
    }

    @Test
    void acceptsEveryListenForm() {
        assertThat(listen("\":8081\"")).isEqualTo("0.0.0.0:8081");
        assertThat(listen("8082")).isEqualTo("0.0.0.0:8082");
        assertThat(listen("0.0.0.0:8083")).isEqualTo("0.0.0.0:8083");
        assertThat(listen("\"[::1]:8084\"")).isEqualTo("::1:8084");
        assertThat(listen("localhost:0")).isEqualTo("localhost:0");
    }

    private static String listen(String value) {
        ServerSettings s = good("server: { listen: " + value + " }").server();
        return s.host() + ":" + s.port();
    }

    @Test
    void reportsABadListenAddressWithTheFormsItAccepts() {
        assertThat(problems("server:\n  listen: 127.0.0.1:99999\n")).containsExactly(
                "turnpike.yaml:2:11: server.listen: \"127.0.0.1:99999\" "
                        + "(expected: host:port like 0.0.0.0:8080, :8080, 8080 or [::1]:8080)");
    }

    @Test
    void reportsAnUnknownKeyWithTheKeysThatAreAccepted() {
        assertThat(problems("""
                server:
                  lisen: 0.0.0.0:8080
                """)).containsExactly("turnpike.yaml:2:3: server: unknown key \"lisen\" "
                + "(expected one of: listen, eventLoops, drainTimeout, limits, trustedProxies, tls, http2, http2Limits, transport, warmup)");
    }

    @Test
    void bindsTheTransportAndRefusesOneItDoesNotKnow() {
        assertThat(good("server: { listen: 8080 }").server().transport()).isEqualTo("epoll");
        assertThat(good("server: { transport: io_uring }").server().transport()).isEqualTo("io_uring");
        assertThat(good("server: { transport: nio }").server().transport()).isEqualTo("nio");
        assertThat(problems("server:\n  transport: kqueue\n")).containsExactly(
                "turnpike.yaml:2:14: server.transport: \"kqueue\" (expected: epoll, io_uring or nio)");
    }

    @Test
    void bindsTheWarmupOffByDefaultAndRefusesOneTooLongWhereItIs() {
        assertThat(good("server: { listen: 8080 }").server().warmup()).isZero();
        assertThat(good("server: { warmup: { duration: 2s } }").server().warmup()).hasSeconds(2);
        assertThat(good("server: { warmup: {} }").server().warmup()).hasSeconds(3);
        assertThat(good("server: { warmup: off }").server().warmup()).isZero();
        assertThat(problems("server:\n  warmup: { duration: 10m }\n")).containsExactly(
                "turnpike.yaml:2:23: server.warmup.duration: \"10m\" (expected: a duration of at most 5m "
                        + "(the node is not ready meanwhile))");
        assertThat(problems("server:\n  warmup: soon\n")).containsExactly(
                "turnpike.yaml:2:11: server.warmup: \"soon\" (expected: off, or { duration: 3s })");
    }

    @Test
    void reportsBadDurationsAndSizesWithTheExpectedSyntax() {
        assertThat(problems("""
                server:
                  drainTimeout: 5 seconds
                  limits:
                    maxBodyBytes: 10M
                    headerTimeout: 0
                """)).containsExactly(
                "turnpike.yaml:2:17: server.drainTimeout: \"5 seconds\" (expected: a duration like 500ms, 2s, 1m)",
                "turnpike.yaml:4:19: server.limits.maxBodyBytes: \"10M\" (expected: a size like 512, 64KiB, 10MiB, 1GB)",
                "turnpike.yaml:5:20: server.limits.headerTimeout: \"0\" (expected: a duration > 0, like 500ms, 2s, 1m)");
    }

    @Test
    void reportsEveryProblemInFileOrderNotJustTheFirst() {
        assertThat(problems("""
                server:
                  eventLoops: -1
                services:
                  users:
                    nodes: [http://127.0.0.1:9001]
                    timeouts: { connect: 1x }
                routes:
                  - id: users
                    match: { path: /users }
                    service: userz
                """)).containsExactly(
                "turnpike.yaml:2:15: server.eventLoops: \"-1\" (expected: an integer >= 0)",
                "turnpike.yaml:6:26: services.users.timeouts.connect: \"1x\" (expected: a duration like 500ms, 2s, 1m)",
                "turnpike.yaml:10:14: routes[0].service: no service \"userz\" (expected: one of the services: users)");
    }

    @Test
    void substitutesEnvironmentVariablesAndDefaults() {
        GatewayConfig c = good("""
                server:
                  listen: ${HOST:-127.0.0.1}:${PORT}
                  drainTimeout: ${DRAIN:-5s}
                services:
                  users: { nodes: ["http://${USERS_HOST}:9001"] }
                routes:
                  - { id: r, match: { path: /price, headers: { X-Template: "$${amount}" } }, service: users }
                """, Map.of("PORT", "8181", "USERS_HOST", "users.internal", "DRAIN", ""));
        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThat(c.server().port()).isEqualTo(8181);
        assertThat(c.server().drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.services().get("users").nodes().get(0).host()).isEqualTo("users.internal");
        assertThat(c.routes().get(0).match().headers()).containsEntry("x-template", "${amount}");
    }

    @Test
    void reportsAnUnsetVariableAtItsValueAndShowsWhereABadValueCameFrom() {
        assertThat(problems("""
                server:
                  listen: ${LISTEN}
                  drainTimeout: ${DRAIN}
                """, Map.of("DRAIN", "soon"))).containsExactly(
                "turnpike.yaml:2:11: server.listen: environment variable LISTEN is not set "
                        + "(expected: set it, or give a default: ${LISTEN:-value})",
                "turnpike.yaml:3:17: server.drainTimeout: \"soon\" from \"${DRAIN}\" "
                        + "(expected: a duration like 500ms, 2s, 1m)");
    }

    @Test
    void reportsAnEmptyFile() {
        assertThat(problems("# nothing yet\n")).containsExactly(
                "turnpike.yaml:1:1: the file is empty (expected: a mapping with server:, services: and routes:)");
    }

    @Test
    void reportsAYamlSyntaxErrorAsOneProblemAtItsPlace() {
        assertThat(problems("""
                server:
                  listen: [0.0.0.0:8080
                services: {}
                """)).singleElement().asString()
                .startsWith("turnpike.yaml:3:9: invalid YAML: ");
    }

    @Test
    void explainsTheQuotingNeededForATemplateInsideBraces() {
        assertThat(problems("""
                routes:
                  - { id: r, match: { path: /users/{id} }, service: s }
                """)).singleElement().asString()
                .startsWith("turnpike.yaml:2:36: invalid YAML:")
                .endsWith("quote values that contain { } [ ] or a comma, like path: \"/users/{id}\"");
    }

    @Test
    void reportsADuplicateKey() {
        assertThat(problems("""
                server:
                  listen: :8080
                  listen: :8081
                """)).containsExactly("turnpike.yaml:3:3: server: duplicate key \"listen\" (first at line 2)");
    }

    @Test
    void readsJsonIndentedWithTabs() {
        GatewayConfig c = good("{\n\t\"server\": {\"listen\":\t\"127.0.0.1:8080\"},\n"
                + "\t\"services\": {\"s\": {\"nodes\": [\"http://a:1\"]}},\n"
                + "\t\"routes\": [{\"id\": \"r\", \"match\": {\"path\": \"/a/{id}\"}, \"service\": \"s\"}]\n}\n");
        assertThat(c.server().host()).isEqualTo("127.0.0.1");
        assertThat(c.routes().get(0).match().path()).isEqualTo("/a/{id}");
    }

    @Test
    void reportsJsonProblemsAtTheirLineAndColumn() {
        assertThat(problems("{\n\t\"server\": {\"listen\": \"nowhere\"}\n}\n")).containsExactly(
                "turnpike.yaml:2:23: server.listen: \"nowhere\" "
                        + "(expected: host:port like 0.0.0.0:8080, :8080, 8080 or [::1]:8080)");
    }

    @Test
    void keepsServicesInFileOrder() {
        GatewayConfig c = good("""
                services:
                  zeta: { nodes: [http://z:1] }
                  alpha: { nodes: [http://a:1] }
                  mid: { nodes: [http://m:1] }
                """);
        assertThat(c.services().keySet()).containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void loadNamesTheFileInProblemsAndKeepsItAsTheSource(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gw.yaml");
        Files.writeString(file, "server:\n  listen: :8080\n");
        assertThat(ConfigLoader.load(file).config().source()).isEqualTo(file);
        Files.writeString(file, "server:\n  listen: :80800\n");
        assertThat(ConfigLoader.load(file).problems()).extracting(Problem::toString).containsExactly(
                file + ":2:11: server.listen: \":80800\" "
                        + "(expected: host:port like 0.0.0.0:8080, :8080, 8080 or [::1]:8080)");
    }

    @Test
    void reportsAMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("absent.yaml");
        assertThat(ConfigLoader.load(file).problems()).extracting(Problem::toString)
                .containsExactly(file + ":0:0: cannot read the file: it does not exist");
    }

    @Test
    void mergesYamlAnchorsWithExplicitKeysWinning() {
        GatewayConfig c = good("""
                services:
                  users: &backend
                    nodes: [http://10.0.0.1:9001]
                    timeouts: { connect: 250ms, request: 2s }
                  orders:
                    <<: *backend
                    nodes: [http://10.0.0.2:9002]
                """);
        ServiceSpec orders = c.services().get("orders");
        assertThat(orders.timeouts().connect()).isEqualTo(Duration.ofMillis(250));
        assertThat(orders.nodes()).extracting(NodeSpec::url).containsExactly("http://10.0.0.2:9002");
    }

    @Test
    void acceptsTheCompleteExampleInTheConfigReference() throws Exception {
        String doc = Files.readString(Path.of("docs/CONFIG.md"));
        int heading = doc.indexOf("## Complete example");
        int start = doc.indexOf("```yaml\n", heading) + "```yaml\n".length();
        String example = doc.substring(start, doc.indexOf("```", start));
        GatewayConfig c = good(example, Map.of("TURNPIKE_ADMIN_TOKEN", "example-token"));
        assertThat(c.admin()).isEqualTo(new AdminSettings(true, "127.0.0.1", 9080, "example-token"));
        assertThat(c.services().keySet()).containsExactly("users", "orders", "catalog");
        assertThat(c.routes()).extracting(RouteSpec::id)
                .containsExactly("users-read", "user-dashboard", "users-write", "orders-v2", "orders", "catalog");
    }
}
