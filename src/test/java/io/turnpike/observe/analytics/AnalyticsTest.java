package io.turnpike.observe.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollups against traffic whose numbers are known in advance. */
class AnalyticsTest {
    private static final long T0 = 1_800_000_000_000L; // a minute boundary
    private final AtomicLong now = new AtomicLong(T0);

    private static AnalyticsRecord call(long at, String route, String consumer, int status, long micros) {
        return new AnalyticsRecord(at, route, "svc", "10.0.0.1:80", consumer, null, status, 10, 100, micros);
    }

    @Test
    void countsAreExactAndPercentilesWithinHistogramPrecision() {
        Analytics a = new Analytics(now::get, 100, 1 << 16, null);
        // 1000 calls to "a" with latencies 1..1000 ms, every 10th a 503; 200 calls to "b", 50 of them 429
        for (int i = 1; i <= 1000; i++) {
            a.offer(call(T0 + i * 50L, "a", "acme", i % 10 == 0 ? 503 : 200, i * 1000L));
        }
        for (int i = 0; i < 200; i++) a.offer(call(T0 + 30_000 + i, "b", null, i < 50 ? 429 : 200, 2_000));
        a.drain();
        now.set(T0 + 60_000);

        Report r = a.report(Dimension.ROUTE, 15 * 60_000, 0, Report.Sort.CALLS);
        assertThat(r.step()).isEqualTo(10_000);
        assertThat(r.series()).hasSize(90);
        assertThat(r.totals().calls()).isEqualTo(1200);
        assertThat(r.totals().errors()).isEqualTo(100);
        assertThat(r.totals().limited()).isEqualTo(50);
        assertThat(r.totals().bytesOut()).isEqualTo(120_000);
        assertThat(r.keys()).extracting(Report.KeySeries::key).containsExactly("a", "b");
        Totals ta = r.keys().get(0).totals();
        assertThat(ta.calls()).isEqualTo(1000);
        assertThat(ta.errors()).isEqualTo(100);
        assertThat(ta.p50Ms()).isCloseTo(500, within(500 * 0.01));
        assertThat(ta.p90Ms()).isCloseTo(900, within(900 * 0.01));
        assertThat(ta.p99Ms()).isCloseTo(990, within(990 * 0.01));
        assertThat(ta.maxMs()).isCloseTo(1000, within(1000 * 0.01));
        // slot by slot: 50 s of "a" at 20 calls/s = 200 calls per 10 s slot
        long aSum = r.keys().get(0).series().stream().mapToLong(Totals::calls).sum();
        assertThat(aSum).isEqualTo(1000);
        assertThat(r.keys().get(0).series().stream().filter(t -> t.calls() > 0).mapToLong(Totals::calls))
                .containsExactly(199L, 200L, 200L, 200L, 200L, 1L);

        assertThat(a.report(Dimension.CONSUMER, 15 * 60_000, 0, Report.Sort.CALLS).keys())
                .extracting(Report.KeySeries::key).containsExactly("acme"); // anonymous calls have no consumer
        assertThat(a.report(Dimension.STATUS, 15 * 60_000, 0, Report.Sort.CALLS).keys())
                .extracting(Report.KeySeries::key).containsExactly("200", "503", "429");
        assertThat(a.report(Dimension.ROUTE, 15 * 60_000, 1, Report.Sort.P99).keys())
                .extracting(Report.KeySeries::key).containsExactly("a");

        now.set(T0 + 65_000);
        Totals window = a.totals(Dimension.ROUTE, "b", 60_000);
        assertThat(window.limited()).isEqualTo(50);
        // six whole 10 s slots before the current one, and 5 s of it: 65 s
        assertThat(window.limitedPerSecond()).isCloseTo(50 / 65.0, within(1e-9));
    }

    @Test
    void trafficOlderThanTheWindowLeavesIt() {
        Analytics a = new Analytics(now::get, 100, 1024, null);
        a.offer(call(T0, "a", null, 200, 1000));
        a.drain();
        now.set(T0 + 16 * 60_000);
        assertThat(a.report(Dimension.ROUTE, 15 * 60_000, 0, Report.Sort.CALLS).totals().calls()).isZero();
        assertThat(a.report(Dimension.ROUTE, 60 * 60_000, 0, Report.Sort.CALLS).totals().calls()).isEqualTo(1);
        now.set(T0 + 3 * 3_600_000);
        Report day = a.report(Dimension.ROUTE, 24 * 3_600_000, 0, Report.Sort.CALLS);
        assertThat(day.step()).isEqualTo(60_000);
        assertThat(day.totals().calls()).isEqualTo(1);
    }

    @Test
    void memoryStaysBoundedWhateverTheNumberOfDistinctKeys() {
        int cap = 50;
        Analytics a = new Analytics(now::get, cap, 1 << 16, null);
        for (int i = 0; i < 20_000; i++) {
            a.offer(call(T0 + i, "r" + (i % 7), "consumer-" + i, 200 + (i % 3), 1_000 + i % 5_000));
            if (i % 4096 == 0) a.drain();
        }
        a.drain();
        now.set(T0 + 20_000);
        assertThat(a.keyCount(Dimension.CONSUMER)).isEqualTo(cap);
        Report r = a.report(Dimension.CONSUMER, 15 * 60_000, 0, Report.Sort.CALLS);
        assertThat(r.keys()).hasSize(cap + 1);
        assertThat(r.keys().get(0).key()).isEqualTo(Analytics.OTHER);
        assertThat(r.keys().get(0).totals().calls()).isEqualTo(20_000 - cap);
        // cap+1 consumer keys (plus 7 routes, 3 statuses, 1 service, 1 node) in two 10 s slots and one minute
        assertThat(a.footprint()).isLessThan(3L * (cap + 1 + 12) * 16 * 1024);
    }

    @Test
    void aByteBudgetHoldsWhateverTheLatencySpreadAndHistoryLength() {
        long budget = 12L << 20;
        Analytics a = new Analytics(now::get, 100, 1 << 16, budget, null);
        java.util.Random random = new java.util.Random(7);
        long calls = 0;
        // 90 minutes, 100 consumers and 20 routes busy in every 10 s slot, latencies spread over 1 µs..1 h
        for (long t = T0; t < T0 + 90 * 60_000; t += 10_000) {
            for (int i = 0; i < 150; i++) {
                long micros = (long) Math.pow(10, random.nextDouble() * 9.5);
                a.offer(call(t + i, "r" + (i % 20), "c" + (i % 100), 200, micros));
                calls++;
            }
            now.set(t + 9_999);
            a.drain();
            assertThat(a.footprint()).isLessThanOrEqualTo(budget);
        }
        Report day = a.report(Dimension.CONSUMER, 24 * 3_600_000, 0, Report.Sort.CALLS);
        assertThat(day.totals().calls()).isEqualTo(calls); // totals are never given up
        assertThat(day.keysSince()).isGreaterThan(T0);
        Report last = a.report(Dimension.CONSUMER, 10_000, 0, Report.Sort.CALLS);
        assertThat(last.keys()).hasSize(100); // the slot being written keeps its per-key detail
        assertThat(last.keys().stream().mapToLong(k -> k.totals().calls()).sum()).isEqualTo(last.totals().calls());
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() {
        Analytics a = new Analytics(now::get, 10, 1024, null);
        int accepted = 0;
        for (int i = 0; i < 5000; i++) if (a.offer(call(T0, "a", null, 200, 1))) accepted++;
        assertThat(accepted).isGreaterThanOrEqualTo(1024);
        assertThat(a.dropped()).isEqualTo(5000 - accepted);
    }

    @Test
    void storedMinutesSurviveARestart(@TempDir Path dir) throws Exception {
        Analytics a = new Analytics(now::get, 100, 1024, MinuteStore.open(dir));
        for (int i = 0; i < 300; i++) a.offer(call(T0 + i * 100L, "a", "acme", i < 30 ? 500 : 200, 4_000));
        a.drain();
        now.set(T0 + 2 * 60_000);
        a.drain();
        a.close();

        now.set(T0 + 2 * 3_600_000);
        Analytics b = new Analytics(now::get, 100, 1024, MinuteStore.open(dir));
        try {
            Report day = b.report(Dimension.ROUTE, 24 * 3_600_000, 0, Report.Sort.CALLS);
            assertThat(day.totals().calls()).isEqualTo(300);
            assertThat(day.keys().get(0).totals().errors()).isEqualTo(30);
            assertThat(day.keys().get(0).totals().p99Ms()).isCloseTo(4.0, within(0.04));
        } finally {
            b.close();
        }
    }

    @Test
    void aStoreAttachedAfterTheStartLosesNoMinuteAndReadsTheStoredOnesBack(@TempDir Path dir) throws Exception {
        Analytics a = new Analytics(now::get, 100, 1024, MinuteStore.open(dir));
        for (int i = 0; i < 100; i++) a.offer(call(T0 + i * 100L, "a", "acme", 200, 4_000));
        a.drain();
        now.set(T0 + 2 * 60_000);
        a.close();

        // Restarted: calls arrive and a minute passes while the store is still being opened.
        now.set(T0 + 3 * 60_000);
        Analytics b = new Analytics(now::get, 100, 1024, null).awaitStore();
        for (int i = 0; i < 50; i++) b.offer(call(now.get() + i * 100L, "a", "acme", 200, 4_000));
        b.drain();
        now.set(T0 + 5 * 60_000);
        b.drain();
        b.attach(MinuteStore.open(dir));
        b.drain();
        assertThat(b.report(Dimension.ROUTE, 24 * 3_600_000, 0, Report.Sort.CALLS).totals().calls()).isEqualTo(150);
        now.set(T0 + 6 * 60_000);
        b.close();

        now.set(T0 + 7 * 60_000);
        Analytics c = new Analytics(now::get, 100, 1024, MinuteStore.open(dir));
        try {
            assertThat(c.report(Dimension.ROUTE, 24 * 3_600_000, 0, Report.Sort.CALLS).totals().calls())
                    .as("the minute that passed before the store was attached was stored too").isEqualTo(150);
        } finally {
            c.close();
        }
    }
}
