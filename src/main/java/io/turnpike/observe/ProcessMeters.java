package io.turnpike.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.ManagementFactory;

/**
 * The JVM's and Netty's own meters: memory, GC, threads, CPU, uptime and the buffer allocator.
 * Two of Micrometer's standard names fail Prometheus' naming rules (promtool rejects them), so they
 * are replaced: CPU time in nanoseconds by {@code process_cpu_seconds_total}, and
 * {@code system_cpu_count}, a gauge that looks like a histogram's count, by {@code system_cpus}.
 */
final class ProcessMeters implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    void bindTo(MeterRegistry registry) {
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the gateway process")
                    .baseUnit("seconds").register(registry);
        }
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            ByteBufAllocatorMetric m = p.metric();
            Gauge.builder("netty.allocator.used", m, ByteBufAllocatorMetric::usedHeapMemory)
                    .description("Memory held by Netty's default buffer allocator")
                    .baseUnit("bytes").tag("memory", "heap").register(registry);
            Gauge.builder("netty.allocator.used", m, ByteBufAllocatorMetric::usedDirectMemory)
                    .description("Memory held by Netty's default buffer allocator")
                    .baseUnit("bytes").tag("memory", "direct").register(registry);
        }
    }

    @Override
    public void close() {
        gc.close();
    }
}
