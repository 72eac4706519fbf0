package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.GatewayConfig;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.Problems;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer retries failed batches without counting any call twice, whatever the failure. */
class LedgerWriterTest {
    /** Fails every other batch: half of them before the commit, half after it ("the ack got lost"). */
    private static final class FlakyLedger implements Ledger {
        final Ledger real;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger lostAcks = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();

        FlakyLedger(Ledger real) {
            this.real = real;
        }

        @Override
        public boolean apply(String writer, long seq, Map<UsageKey, UsageCounts> deltas) throws Exception {
            int n = calls.incrementAndGet();
            if (n % 4 == 1) {
                refused.incrementAndGet();
                throw new java.sql.SQLException("connection refused (test)");
            }
            boolean applied = real.apply(writer, seq, deltas);
            if (n % 4 == 3) {
                lostAcks.incrementAndGet();
                throw new java.sql.SQLException("connection reset after commit (test)");
            }
            return applied;
        }

        @Override
        public Map<UsageKey, UsageCounts> usage(String consumer, String route, long fromMinute, long toMinute) throws Exception {
            return real.usage(consumer, route, fromMinute, toMinute);
        }

        @Override
        public String describe() {
            return "flaky " + real.describe();
        }

        @Override
        public void close() {
            real.close();
        }
    }

    private record Call(String consumerId, String routeId) implements ExchangeView {
        @Override public String requestId() { return "r"; }
        @Override public long startEpochMillis() { return 0; }
        @Override public String clientIp() { return "127.0.0.1"; }
        @Override public String method() { return "GET"; }
        @Override public String path() { return "/"; }
        @Override public String serviceId() { return "svc"; }
        @Override public String nodeKey() { return "127.0.0.1:1"; }
        @Override public int status() { return 200; }
        @Override public long bytesIn() { return 0; }
        @Override public long bytesOut() { return 0; }
        @Override public long totalNanos() { return 1; }
        @Override public long upstreamNanos() { return 1; }
        @Override public int retries() { return 0; }
        @Override public Problems.Kind rejection() { return null; }
        @Override public String outcome() { return "ok"; }
        @Override public String traceId() { return null; }
        @Override public String parentSpanId() { return null; }
        @Override public String spanId() { return null; }
        @Override public boolean sampled() { return false; }
        @Override public List<Attempt> attempts() { return List.of(); }
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void retriedBatchesLandOnceWhenCommitsFailBeforeOrAfterTheyHappen(@TempDir Path dir) throws Exception {
        GatewayConfig config = MeteredGateway.parse(MeteredGateway.yaml(dir, "http://127.0.0.1:1", "", Map.of(), """
                  - { id: a, match: { path: "/a" }, service: svc, auth: [apiKey], cost: 2 }
                """));
        FlakyLedger flaky = new FlakyLedger(JdbcLedger.sqlite(dir.resolve("ledger.db")));
        Meter meter = new Meter(new Quotas(Clock.systemUTC()), config);
        LedgerWriter writer = new LedgerWriter(meter, flaky, Duration.ofMillis(5));
        List<Thread> loops = new ArrayList<>();
        String[] consumers = {"acme", "beta", "gamma", "delta"};
        Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (String c : consumers) {
            sent.put(c, new AtomicLong());
            loops.add(Thread.ofPlatform().start(() -> {
                Call call = new Call(c, "a");
                // calls until a dozen batches were tried, spread out so that each batch has some
                for (int i = 0; (i < 2_000 || flaky.calls.get() < 12) && System.nanoTime() < deadline; i++) {
                    meter.onEnd(call);
                    sent.get(c).incrementAndGet();
                    if (i % 50 == 0) sleep();
                }
            }));
        }
        for (Thread t : loops) t.join();
        writer.close(); // the final flush retries through the failures too

        assertThat(flaky.calls.get()).isGreaterThanOrEqualTo(12);
        assertThat(flaky.refused.get()).isPositive();
        assertThat(flaky.lostAcks.get()).isPositive();
        try (JdbcLedger ledger = JdbcLedger.sqlite(dir.resolve("ledger.db"))) {
            Map<UsageKey, UsageCounts> all = ledger.usage(null, null, 0, Long.MAX_VALUE);
            assertThat(all).hasSize(4);
            all.forEach((k, c) -> assertThat(c).as(k.consumer())
                    .isEqualTo(new UsageCounts(sent.get(k.consumer()).get(), 2 * sent.get(k.consumer()).get(), 0)));
        }
    }
}
