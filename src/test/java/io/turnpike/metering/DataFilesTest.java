package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.GatewayConfig;
import io.turnpike.observe.analytics.MinuteStore;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway keeps in dataDir about who called what (the usage ledger, the analytics
 * history) is readable by its own user alone, SQLite's -wal and -shm files included.
 */
@ExtendWith(NoLeaks.class)
class DataFilesTest {
    private static final String ROUTES = """
              - { id: a, match: { path: "/a/**" }, rewrite: { stripPrefix: /a }, service: svc, auth: [apiKey] }
            """;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theLedgerAndTheAnalyticsHistoryAreOwnerOnly(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (TestBackend backend = new TestBackend("b")) {
            GatewayConfig config = MeteredGateway.parse(MeteredGateway.yaml(data, backend.url(), "", Map.of(), ROUTES));
            // As run starts them: the ledger with the gateway, the analytics history beside it.
            try (MeteredGateway gw = MeteredGateway.start(config, Clock.systemUTC(), Duration.ofMillis(50));
                 MinuteStore analytics = MinuteStore.open(data)) {
                assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
                Instant now = Instant.now();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (gw.metering.usage(null, null, now.minusSeconds(3600), now.plusSeconds(3600)).get().lines().isEmpty()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20); // the call's batch is written
                }
                for (String name : List.of("ledger.db", "analytics.db")) {
                    for (String suffix : List.of("", "-wal", "-shm")) {
                        Path p = data.resolve(name + suffix);
                        assertThat(p).as(p + " (a WAL database while open)").exists();
                        assertThat(mode(p)).as(p.toString()).isEqualTo("rw-------");
                    }
                }
            }
        }
    }

    @Test
    void aLedgerAnOlderVersionLeftReadableIsNarrowedAtOpen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ledger.db");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        JdbcLedger ledger = JdbcLedger.sqlite(file);
        try {
            assertThat(mode(file)).isEqualTo("rw-------");
        } finally {
            ledger.close();
        }
    }
}
