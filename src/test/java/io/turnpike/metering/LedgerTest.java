package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.turnpike.config.GatewayConfig;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.PostgresServer;
import io.turnpike.testing.TestBackend;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Both ledgers add batches once, whatever the retries, and sum what was added. */
@ExtendWith(NoLeaks.class)
class LedgerTest {
    static PostgresServer pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        if (!PostgresServer.skipped()) pg = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) pg.close();
    }

    private static Map<UsageKey, UsageCounts> batch(long minute, long calls) {
        Map<UsageKey, UsageCounts> b = new LinkedHashMap<>();
        b.put(new UsageKey("acme", "a", 2, minute), new UsageCounts(calls, calls * 3, 1));
        b.put(new UsageKey("acme", "b", 5, minute), new UsageCounts(1, 1, 0));
        b.put(new UsageKey("beta", "a", 2, minute + 1), new UsageCounts(7, 7, 0));
        return b;
    }

    private static void retriedBatchesCountOnce(Ledger ledger) throws Exception {
        assertThat(ledger.apply("node-1", 1, batch(100, 10))).isTrue();
        // the commit happened but the writer did not hear so: the same batch again changes nothing
        assertThat(ledger.apply("node-1", 1, batch(100, 10))).isFalse();
        assertThat(ledger.apply("node-1", 2, batch(100, 5))).isTrue();
        assertThat(ledger.apply("node-1", 1, batch(100, 10))).isFalse(); // older than the last applied
        assertThat(ledger.apply("node-2", 1, batch(100, 1))).isTrue(); // another writer, its own numbers
        Map<UsageKey, UsageCounts> all = ledger.usage(null, null, 0, 1000);
        assertThat(all).containsEntry(new UsageKey("acme", "a", 2, 0), new UsageCounts(16, 48, 3))
                .containsEntry(new UsageKey("acme", "b", 5, 0), new UsageCounts(3, 3, 0))
                .containsEntry(new UsageKey("beta", "a", 2, 0), new UsageCounts(21, 21, 0))
                .hasSize(3);
        assertThat(ledger.usage("beta", null, 0, 101)).isEmpty(); // beta's calls are in minute 101
        assertThat(ledger.usage("acme", "b", 100, 101)).containsOnlyKeys(new UsageKey("acme", "b", 5, 0));
    }

    @Test
    void sqliteAppliesARetriedBatchOnceAndKeepsItAcrossReopening(@TempDir Path dir) throws Exception {
        try (JdbcLedger ledger = JdbcLedger.sqlite(dir.resolve("ledger.db"))) {
            retriedBatchesCountOnce(ledger);
        }
        try (JdbcLedger ledger = JdbcLedger.sqlite(dir.resolve("ledger.db"))) {
            assertThat(ledger.apply("node-1", 2, batch(100, 5))).isFalse();
            assertThat(ledger.usage(null, null, 0, 1000).get(new UsageKey("acme", "a", 2, 0)).calls()).isEqualTo(16);
        }
    }

    @Test
    void postgresqlAppliesARetriedBatchOnce() throws Exception {
        assumeFalse(PostgresServer.skipped(), "PostgreSQL tests skipped (-Dturnpike.postgres=skip)");
        try (JdbcLedger ledger = JdbcLedger.postgresql(pg.url())) {
            retriedBatchesCountOnce(ledger);
        }
    }

    @Test
    void aGatewayMetersIntoPostgresqlAndARestartContinuesTheCount(@TempDir Path dir) throws Exception {
        assumeFalse(PostgresServer.skipped(), "PostgreSQL tests skipped (-Dturnpike.postgres=skip)");
        try (TestBackend backend = new TestBackend("b")) {
            GatewayConfig config = MeteredGateway.parse(MeteredGateway.yaml(dir.resolve("data"), backend.url(),
                    "plans: { small: { quota: 5/day } }", Map.of("beta", "small"), """
                      - { id: a, match: { path: "/a/**" }, rewrite: { stripPrefix: /a }, service: svc, auth: [apiKey] }
                    """).replace("storage: {", "storage: { ledger: \"" + pg.url() + "\","));
            assertThat(config.storage().ledger()).startsWith("postgresql://");
            for (int run = 0; run < 2; run++) {
                try (MeteredGateway gw = MeteredGateway.start(config, Clock.systemUTC(), Duration.ofMillis(100))) {
                    for (int i = 0; i < 7; i++) assertThat(gw.get("/a/echo", "acme").status()).isEqualTo(200);
                    for (int i = 0; i < 3; i++) gw.get("/a/echo", "beta");
                }
            }
            try (Metering m = Metering.open(config, Clock.systemUTC(), Duration.ofSeconds(1))) {
                Instant now = Instant.now();
                Usage u = m.usage(null, null, now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1))).get();
                assertThat(u.lines()).extracting(Usage.Line::consumer, Usage.Line::calls)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("acme", 14L),
                                org.assertj.core.groups.Tuple.tuple("beta", 5L)); // 3, then 2 before the quota of 5
                assertThat(m.quota("beta").orElseThrow().used()).isEqualTo(5);
            }
        }
    }
}
