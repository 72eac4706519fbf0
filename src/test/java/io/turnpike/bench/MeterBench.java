package io.turnpike.bench;

import io.turnpike.config.ConfigLoader;
import io.turnpike.metering.Metering;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.Problems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What metering adds to a billed call on the event loop: {@code Meter.onEnd} for a consumer with
 * and without a quota, while the ledger thread drains and writes to SQLite every 0.5 s as in
 * production. Consumers and routes rotate so the ledger's buckets are realistic.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MeterBench {
    @Param({"quota", "noQuota"})
    String plan;

    private Metering metering;
    private ExchangeObserver meter;
    private View[] views;
    private int next;

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("meter-bench");
        StringBuilder consumers = new StringBuilder("consumers:\n");
        for (int i = 0; i < 16; i++) {
            consumers.append("  - { id: c").append(i).append(", plan: ").append(plan)
                    .append(", credentials: [ { apiKey: key-0123456789-").append(i).append(" } ] }\n");
        }
        ConfigLoader.Result r = ConfigLoader.parse("bench.yaml", """
                storage: { dataDir: "%s" }
                services: { svc: { nodes: [ "http://127.0.0.1:1" ] } }
                plans:
                  quota: { quota: 1000000000/month, price: { perUnit: 0.0002, currency: USD } }
                  noQuota: { price: { perUnit: 0.0002, currency: USD } }
                %sroutes:
                  - { id: r0, match: { path: /a }, service: svc, auth: [apiKey] }
                  - { id: r1, match: { path: /b }, service: svc, auth: [apiKey], cost: 3 }
                """.formatted(dir, consumers), k -> null);
        if (!r.ok()) throw new IllegalStateException(r.problems().toString());
        metering = Metering.open(r.config(), Clock.systemUTC(), Metering.FLUSH_INTERVAL);
        meter = metering.observer();
        views = new View[64];
        for (int i = 0; i < views.length; i++) views[i] = new View("c" + (i % 16), "r" + (i % 2), i % 7 == 0 ? 500 : 200);
    }

    @TearDown
    public void tearDown() {
        metering.close();
    }

    @Benchmark
    public void billedCall() {
        meter.onEnd(views[next++ & 63]);
    }

    /** Only what the meter reads is real. */
    private record View(String consumerId, String routeId, int status) implements ExchangeView {
        @Override public String requestId() { return "r"; }
        @Override public long startEpochMillis() { return 0; }
        @Override public String clientIp() { return "127.0.0.1"; }
        @Override public String method() { return "GET"; }
        @Override public String path() { return "/a"; }
        @Override public String serviceId() { return "svc"; }
        @Override public String nodeKey() { return "127.0.0.1:1"; }
        @Override public long bytesIn() { return 0; }
        @Override public long bytesOut() { return 0; }
        @Override public long totalNanos() { return 1000; }
        @Override public long upstreamNanos() { return 500; }
        @Override public int retries() { return 0; }
        @Override public Problems.Kind rejection() { return null; }
        @Override public String outcome() { return "ok"; }
        @Override public String traceId() { return null; }
        @Override public String parentSpanId() { return null; }
        @Override public String spanId() { return null; }
        @Override public boolean sampled() { return false; }
        @Override public List<Attempt> attempts() { return List.of(); }
    }
}
