package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.core.Problems;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Recording runs on the event loop for every exchange: once a route's meters exist, it allocates nothing. */
class GatewayMetricsAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void recordingAWarmRouteAllocatesNothing() {
        try (GatewayMetrics metrics = new GatewayMetrics()) {
            FakeExchange[] exchanges = {
                    FakeExchange.ok("a"),
                    FakeExchange.rejected("b", Problems.Kind.NOT_FOUND),
                    new FakeExchange("c", 0, "127.0.0.1", "PURGE", "/x", "api", "svc", "127.0.0.1:9001", 503, 10, 20,
                            2_000_000, 1_000_000, 1, Problems.Kind.NO_NODE, "rejected", null),
                    new FakeExchange("d", 0, "127.0.0.1", "POST", "/x", "api", "svc", "127.0.0.1:9001", 0, 10, 0,
                            2_000_000, 1_000_000, 0, null, "client-aborted", null),
            };
            long allocated = 0;
            for (int round = 0; round < 3; round++) { // the first rounds register the meters and warm up
                long before = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 20_000; i++) metrics.record(exchanges[i & 3]);
                allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            }
            // a real allocation per call would be >= 320 KB; the counter itself reports a little noise
            assertThat(allocated).isLessThan(4096);
        }
    }

    @Test
    void labelsAreBounded() {
        assertThat(RouteMeters.methodIndex("PURGE")).isEqualTo(RouteMeters.methodIndex("BREW"));
        assertThat(RouteMeters.METHODS[RouteMeters.methodIndex("PURGE")]).isEqualTo("OTHER");
        assertThat(RouteMeters.STATUS_CLASSES[RouteMeters.statusClass(0)]).isEqualTo("none");
        assertThat(RouteMeters.STATUS_CLASSES[RouteMeters.statusClass(599)]).isEqualTo("5xx");
        assertThat(RouteMeters.STATUS_CLASSES[RouteMeters.statusClass(999)]).isEqualTo("none");
        assertThat(GatewayMetrics.reason(Problems.Kind.HEADERS_TOO_LARGE)).isEqualTo("headers-too-large");
    }
}
