package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A log writer that cannot keep up must cost lines, not latency: with the writer stuck, traffic
 * still flows, and the lines that did not fit are counted in the scrape.
 */
@ExtendWith(NoLeaks.class)
class AccessLogFloodTest {
    static final int REQUESTS = 60;
    static final int CAPACITY = 8;

    @Test
    void aStuckWriterDropsLinesAndTrafficFlows() throws Exception {
        AccessLogTest.CollectingSink sink = new AccessLogTest.CollectingSink(true);
        AccessLog log = new AccessLog(sink, 1.0, CAPACITY);
        try (TestBackend backend = new TestBackend("b1");
             Observability obs = new Observability(new GatewayMetrics(), log)) {
            Scrape scrape;
            try (Gateway gateway = Gateway.start(TestConfigs.gateway()
                         .service("svc", backend.url()).route("all", "/**", "svc").build(), obs);
                 RawHttp client = new RawHttp(gateway.port())) {
                for (int i = 0; i < REQUESTS; i++) {
                    client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
                    assertThat(client.read().status()).isEqualTo(200); // the loop was never held up
                }
                gateway.shutdown(java.time.Duration.ZERO); // every exchange observed
                scrape = Scrape.parse(obs.scrape());
            }
            // The writer holds its first batch, the queue CAPACITY more (or the writer had not yet taken its first).
            int held = Math.max(sink.firstBatchLines, 1);
            assertThat(log.dropped()).isBetween((long) REQUESTS - CAPACITY - held, (long) REQUESTS - CAPACITY);
            assertThat(scrape.value("turnpike_access_log_dropped_total")).isEqualTo(log.dropped());
            sink.release.countDown();
        }
        assertThat(sink.lines).hasSize((int) (REQUESTS - log.dropped()));
    }
}
