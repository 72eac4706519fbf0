package io.turnpike.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's and Netty's own meters: memory, GC, threads, CPU, uptime and the buffer allocator.
 * Two of Micrometer's standard names fail Prometheus' naming rules (promtool rejects them), so they
 * are replaced: CPU time in nanoseconds by {@code process_cpu_seconds_total}, and
 * {@code system_cpu_count}, a gauge that looks like a histogram's count, by {@code system_cpus}.
 *
 * <p>The collector meters are read when scraped, under Micrometer's names. Micrometer's own
 * {@code JvmGcMetrics} listens to every collection's notification, which the JVM builds and delivers
 * on its notification thread: 0.3-0.5 ms of CPU after each young collection, on the core that runs
 * the event loop, which waits for it (the loop's longest waits for the CPU under load, by
 * {@code perf sched}). Read from the collectors' own counters, the pauses lose the {@code cause}
 * tag and the maximum; {@code jvm_gc_memory_promoted_bytes_total}, which only a notification can
 * tell, is not kept.
 */
final class ProcessMeters {
    private ProcessMeters() {}

    static void bindTo(MeterRegistry registry) {
        registry.config()
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                    }
                });
        new JvmMemoryMetrics().bindTo(registry);
        bindCollectors(registry);
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

    private static void bindCollectors(MeterRegistry registry) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String name = gc.getName();
            // ZGC's and Shenandoah's cycles and G1's concurrent work run beside the application, not in a pause
            boolean concurrent = name.endsWith(" Cycles") || name.equals("G1 Concurrent GC");
            FunctionTimer.builder(concurrent ? "jvm.gc.concurrent.phase.time" : "jvm.gc.pause", gc,
                            GarbageCollectorMXBean::getCollectionCount, GarbageCollectorMXBean::getCollectionTime,
                            TimeUnit.MILLISECONDS)
                    .description(concurrent ? "Time spent in concurrent phases" : "Time spent in GC pause")
                    .tag("gc", name)
                    .tag("action", concurrent ? "end of concurrent GC pause" : young(name) ? "end of minor GC" : "end of major GC")
                    .register(registry);
        }
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            FunctionCounter.builder("jvm.gc.memory.allocated", threads,
                            com.sun.management.ThreadMXBean::getTotalThreadAllocatedBytes)
                    .description("Bytes allocated in the heap by all threads since the gateway started")
                    .baseUnit("bytes").register(registry);
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP || !longLived(pool.getName())) continue;
            Gauge.builder("jvm.gc.live.data.size", pool, p -> p.getCollectionUsage() == null ? Double.NaN
                            : p.getCollectionUsage().getUsed())
                    .description("Size of the long-lived heap pool after its last collection")
                    .baseUnit("bytes").register(registry);
            Gauge.builder("jvm.gc.max.data.size", pool, p -> p.getUsage().getMax())
                    .description("Max size of the long-lived heap pool")
                    .baseUnit("bytes").register(registry);
            break;
        }
    }

    private static boolean young(String collector) {
        return collector.contains("Scavenge") || collector.contains("Young") || collector.contains("Minor")
                || collector.equals("Copy") || collector.equals("ParNew");
    }

    /** The pool that holds what survives: the old generation, or the one heap of a single-generation collector. */
    private static boolean longLived(String pool) {
        return pool.contains("Old Gen") || pool.contains("Tenured") || pool.equals("ZHeap")
                || pool.equals("ZGC Old Generation") || pool.equals("Shenandoah");
    }
}
