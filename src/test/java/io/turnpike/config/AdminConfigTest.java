package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminConfigTest {

    @Test
    void defaultsToLoopbackWithoutATokenAndDataUnderTheWorkingDirectory() {
        GatewayConfig c = good("server: { listen: 127.0.0.1:8080 }");
        assertThat(c.admin()).isEqualTo(AdminSettings.DEFAULT);
        assertThat(c.admin().loopback()).isTrue();
        assertThat(c.storage().dataDir()).isEqualTo(Path.of("./data"));
    }

    @Test
    void readsListenTokenAndDataDir() {
        GatewayConfig c = good("""
                admin: { listen: "0.0.0.0:9999", token: "${T}" }
                storage: { dataDir: /var/lib/turnpike }
                """, Map.of("T", "s3cret-value"));
        assertThat(c.admin()).isEqualTo(new AdminSettings(true, "0.0.0.0", 9999, "s3cret-value"));
        assertThat(c.storage().dataDir()).isEqualTo(Path.of("/var/lib/turnpike"));
    }

    @Test
    void offDisablesTheListenerAndABarePortMeansLoopback() {
        assertThat(good("admin: { listen: off }").admin().enabled()).isFalse();
        assertThat(good("admin: { listen: 9090 }").admin()).isEqualTo(new AdminSettings(true, "127.0.0.1", 9090, null));
        assertThat(good("admin: { listen: \"[::1]:9090\" }").admin().loopback()).isTrue();
    }

    @Test
    void refusesAListenerOthersCanReachWithoutAToken() {
        assertThat(problems("""
                admin:
                  listen: 0.0.0.0:9080
                """)).containsExactly("turnpike.yaml:2:11: admin.listen: \"0.0.0.0:9080\" is reachable from other "
                + "machines and admin.token is not set (expected: a token, like token: ${TURNPIKE_ADMIN_TOKEN}, "
                + "or a loopback listen like 127.0.0.1:9080)");
        // an empty variable is no token either
        assertThat(problems("admin: { listen: \"admin.internal:9080\", token: \"${T:-}\" }")).hasSize(1);
    }

    @Test
    void refusesTheTrafficPort() {
        assertThat(problems("""
                server: { listen: "127.0.0.1:8080" }
                admin: { listen: "127.0.0.1:8080" }
                """)).containsExactly("turnpike.yaml:2:18: admin.listen: port 8080 is also server.listen's port "
                + "(expected: a port of its own; the admin API never shares the traffic port)");
    }

    @Test
    void neverShowsTheTokenInAProblem() {
        String secret = "abc${not-closed-s3cret";
        assertThat(problems("admin: { token: \"" + secret + "\", listen: nowhere }"))
                .isNotEmpty()
                .allSatisfy(p -> assertThat(p).doesNotContain("s3cret").doesNotContain("not-closed"));
        assertThat(good("admin: { token: t0k3n-value }").toString()).doesNotContain("t0k3n-value");
    }

    @Test
    void reportsUnknownKeys() {
        assertThat(problems("""
                admin: { listne: 1 }
                storage: { ledgr: sqlite }
                """)).containsExactly(
                "turnpike.yaml:1:10: admin: unknown key \"listne\" (expected one of: listen, token)",
                "turnpike.yaml:2:12: storage: unknown key \"ledgr\" (expected one of: dataDir, ledger)");
    }

    @Test
    void theLedgerIsSqliteInDataDirOrAPostgresqlUrlWhosePasswordNeverShows() {
        assertThat(good("storage: { dataDir: /srv/tp }").storage().ledger()).isNull();
        assertThat(good("storage: { ledger: sqlite }").storage().ledger()).isNull();
        GatewayConfig c = good("storage: { ledger: \"postgresql://tp:${PW}@db.internal:5432/turnpike\" }",
                Map.of("PW", "pg-s3cret"));
        assertThat(c.storage().ledger()).isEqualTo("postgresql://tp:pg-s3cret@db.internal:5432/turnpike");
        assertThat(c.storage().toString()).doesNotContain("pg-s3cret");
        assertThat(problems("storage: { ledger: \"mysql://x/y\" }")).containsExactly(
                "turnpike.yaml:1:20: storage.ledger: \"mysql://x/y\" (expected: sqlite, or a URL like "
                        + "postgresql://user:password@host:5432/turnpike)");
        assertThat(problems("storage: { ledger: \"postgresql://db.internal\" }")).hasSize(1);
    }
}
