package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.core.Problems;
import io.turnpike.testing.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The access log's own rules: sampling, the line format, and dropping rather than waiting. */
class AccessLogTest {

    /** Collects lines; optionally holds the writer on its first batch until released. */
    static final class CollectingSink implements AccessLog.Sink {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CountDownLatch release;
        final CountDownLatch writing = new CountDownLatch(1);
        volatile int firstBatchLines = -1;

        CollectingSink(boolean hold) {
            release = new CountDownLatch(hold ? 1 : 0);
        }

        @Override
        public void write(byte[] batch, int length, int count) {
            if (firstBatchLines < 0) firstBatchLines = count;
            writing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String text = new String(batch, 0, length, StandardCharsets.UTF_8);
            assertThat(text).endsWith("\n");
            List<String> got = List.of(text.substring(0, text.length() - 1).split("\n", -1));
            assertThat(got).hasSize(count);
            lines.addAll(got);
        }

        @Override public void close() {}
    }

    @Test
    void samplingKeepsEveryError() {
        CollectingSink sink = new CollectingSink(false);
        AccessLog log = new AccessLog(sink, 0.0, 64);
        for (int i = 0; i < 20; i++) log.offer(FakeExchange.ok("ok-" + i));
        log.offer(FakeExchange.rejected("e-404", Problems.Kind.NOT_FOUND));
        log.offer(FakeExchange.rejected("e-502", Problems.Kind.BAD_GATEWAY));
        log.offer(new FakeExchange("aborted", 0, "127.0.0.1", "GET", "/a", "api", "svc", "n", 200, 0, 10,
                5, 3, 0, null, "client-aborted", null)); // a 200 the client walked away from is an error
        log.close();
        assertThat(sink.lines).extracting(l -> Json.parse(l).get("requestId").asText())
                .containsExactly("e-404", "e-502", "aborted");
    }

    @Test
    void fullSamplingLogsEverySuccess() {
        CollectingSink sink = new CollectingSink(false);
        AccessLog log = new AccessLog(sink, 1.0, 64);
        for (int i = 0; i < 20; i++) log.offer(FakeExchange.ok("ok-" + i));
        log.close();
        assertThat(sink.lines).hasSize(20);
        assertThat(log.written()).isEqualTo(20);
    }

    @Test
    void formatsOneJsonObjectPerLine() {
        String line = new AccessLineFormat().format(AccessRecord.of(FakeExchange.ok("r-1")));
        assertThat(line).doesNotContain("\n");
        JsonNode j = Json.parse(line);
        assertThat(j.get("time").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(j.get("totalMs").asDouble()).isEqualTo(1.5);
        assertThat(j.get("upstreamMs").asDouble()).isEqualTo(1.0);
        assertThat(j.get("status").asInt()).isEqualTo(200);
        assertThat(j.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(j.fieldNames()).toIterable().containsExactly("time", "requestId", "clientIp", "consumer", "route",
                "service", "node", "method", "path", "status", "bytesIn", "bytesOut", "totalMs", "upstreamMs",
                "retries", "outcome", "rejection", "traceId", "decision");
    }

    @Test
    void escapesWhatJsonNeedsAndKeepsUnicode() {
        String path = "/q\"uote\\back\ttab\u0001ctl/caf\u00e9/\u6f22/\ud83d\ude00";
        AccessRecord r = new AccessRecord(-1, "r-2", "::1", "api", "svc", "n", "GET", path, 502, 0, 0,
                1_234_567, -1, 1, "failed", Problems.Kind.BAD_GATEWAY, null, "caf\u00e9", null, "mobile", "14");
        String line = new AccessLineFormat().format(r);
        JsonNode j = Json.parse(line);
        assertThat(j.get("path").asText()).isEqualTo(path);
        assertThat(j.get("consumer").asText()).isEqualTo("caf\u00e9");
        assertThat(j.get("time").asText()).isEqualTo("1969-12-31T23:59:59.999Z");
        assertThat(j.get("totalMs").asDouble()).isEqualTo(1.235);
        assertThat(j.get("upstreamMs").isNull()).isTrue();
        assertThat(j.get("traceId").isNull()).isTrue();
        assertThat(j.get("profile").asText()).isEqualTo("mobile");
        assertThat(j.get("grpcStatus").asText()).isEqualTo("14");
        assertThat(j.get("rejection").asText()).isEqualTo("upstream-failed");
        assertThat(j.get("decision").size()).isZero();
        assertThat(line).contains("\\u0001"); // a control character as Jackson escapes it
    }

    @Test
    void writesMillisecondsAsDoubleToStringWould() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(18);
        long[] fixed = {0, 1, 499, 500, 999, 1_000, 1_500, 10_000, 100_000, 1_000_000, 1_234_567, 999_999_999,
                1_000_000_000, 9_999_999_999_499L, 9_999_999_999_500L, 123_456_789_012_345L, -1_000};
        for (long nanos : fixed) {
            assertThat(AccessLineFormat.millisText(nanos)).as("%d ns", nanos)
                    .isEqualTo(Double.toString(Math.round(nanos / 1_000.0) / 1_000.0));
        }
        for (int i = 0; i < 200_000; i++) {
            long nanos = random.nextLong(1L << random.nextInt(1, 45));
            assertThat(AccessLineFormat.millisText(nanos)).as("%d ns", nanos)
                    .isEqualTo(Double.toString(Math.round(nanos / 1_000.0) / 1_000.0));
        }
    }

    @Test
    void aRawTargetIsLoggedWithoutItsQuery() {
        assertThat(AccessLineFormat.withoutQuery("/a/../%zz?api_key=secret")).isEqualTo("/a/../%zz");
        assertThat(AccessLineFormat.withoutQuery("/plain")).isEqualTo("/plain");
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() throws Exception {
        CollectingSink sink = new CollectingSink(true);
        AccessLog log = new AccessLog(sink, 1.0, 8);
        log.offer(FakeExchange.ok("first"));
        sink.writing.await(); // the writer now holds "first" and is stuck writing it
        for (int i = 0; i < 100; i++) log.offer(FakeExchange.ok("flood-" + i)); // returns: never waits
        assertThat(log.dropped()).isEqualTo(100 - 8);
        sink.release.countDown();
        log.close();
        assertThat(sink.lines).hasSize(1 + 8);
        assertThat(log.written() + log.dropped()).isEqualTo(101);
    }
}
