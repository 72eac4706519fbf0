package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The collector meters are read from the JVM's counters at scrape time, not from notifications: a
 * collection and an allocation made between two scrapes show in the second.
 */
class ProcessMetersTest {
    @Test
    void aCollectionAndAnAllocationShowInTheNextScrape() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMeters.bindTo(registry);
        Scrape before = Scrape.parse(registry.scrape());

        byte[][] garbage = new byte[64][];
        for (int i = 0; i < garbage.length; i++) garbage[i] = new byte[256 * 1024]; // 16 MiB
        System.gc();
        Scrape after = Scrape.parse(registry.scrape());

        assertThat(after.sum("jvm_gc_pause_seconds_count") + after.sum("jvm_gc_concurrent_phase_time_seconds_count"))
                .as("collections counted").isGreaterThan(before.sum("jvm_gc_pause_seconds_count")
                        + before.sum("jvm_gc_concurrent_phase_time_seconds_count"));
        assertThat(after.value("jvm_gc_memory_allocated_bytes_total") - before.value("jvm_gc_memory_allocated_bytes_total"))
                .as("bytes allocated between the scrapes").isGreaterThanOrEqualTo(16.0 * 1024 * 1024);
        assertThat(after.value("jvm_gc_max_data_size_bytes")).isPositive();
        assertThat(after.value("jvm_gc_live_data_size_bytes")).as("the long-lived pool after System.gc()").isPositive();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            assertThat(java.util.stream.Stream.concat(after.series("jvm_gc_pause_seconds_count").stream(),
                            after.series("jvm_gc_concurrent_phase_time_seconds_count").stream()))
                    .as("a meter for " + gc.getName()).anyMatch(s -> gc.getName().equals(s.labels().get("gc")));
        }
        registry.close();
        assertThat(garbage[garbage.length - 1]).hasSize(256 * 1024);
    }
}
