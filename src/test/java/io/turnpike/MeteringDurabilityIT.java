package io.turnpike;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.metering.JdbcLedger;
import io.turnpike.metering.Metering;
import io.turnpike.metering.UsageCounts;
import io.turnpike.metering.UsageKey;
import io.turnpike.testing.GatewayProcess;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway under load, stopped by SIGTERM (the ledger must hold every call the
 * service saw) and by kill -9 (it may miss at most the calls of the last flush interval); after
 * a restart on the same ledger the counts go on.
 */
class MeteringDurabilityIT {
    private static final String[] CONSUMERS = {"acme", "beta", "gamma"};
    /** The promise (README): a kill -9 loses at most the calls that ended in the last second. */
    private static final long BOUND_NANOS = Metering.LOSS_BOUND.toNanos();
    /** Scheduling noise between this JVM seeing a response and the gateway's clock, on a busy machine. */
    private static final long SLACK_NANOS = 200_000_000L;

    private static String key(String consumer) {
        return consumer + "-key-0123456789";
    }

    private static Path config(Path dir, TestBackend backend) throws Exception {
        StringBuilder consumers = new StringBuilder();
        for (String c : CONSUMERS) {
            consumers.append("  - { id: ").append(c).append(", credentials: [ { apiKey: ").append(key(c)).append(" } ] }\n");
        }
        Path file = dir.resolve("turnpike.yaml");
        Files.writeString(file, """
                server: { listen: "127.0.0.1:0", eventLoops: 2 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                storage: { dataDir: "%s" }
                services:
                  svc: { nodes: [ "%s" ] }
                consumers:
                %sroutes:
                  - { id: a, match: { path: "/a/**" }, rewrite: { stripPrefix: /a }, service: svc, auth: [apiKey], cost: 2 }
                """.formatted(dir.resolve("data").toString().replace("\\", "/"), backend.url(), consumers));
        return file;
    }

    /** Clients of every consumer calling over keep-alive connections until stopped. */
    private static final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final Map<String, AtomicLong> ok = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Long> okAt = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        Load(int port, int threadsPerConsumer) {
            for (String c : CONSUMERS) {
                ok.put(c, new AtomicLong());
                for (int t = 0; t < threadsPerConsumer; t++) {
                    threads.add(Thread.ofPlatform().start(() -> run(port, c)));
                }
            }
        }

        private void run(int port, String consumer) {
            while (running.get()) {
                try (RawHttp c = new RawHttp(port)) {
                    for (int i = 0; i < 100 && running.get(); i++) {
                        c.send("GET /a/echo HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key(consumer) + "\r\n\r\n");
                        if (c.read().status() == 200) {
                            okAt.add(System.nanoTime());
                            ok.get(consumer).incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    if (running.get()) sleep(5); // the gateway is going away; calls that failed are not counted
                }
            }
        }

        /** Waits until the clients have had {@code n} answers (the machine may be slow, or busy). */
        void await(long n) throws InterruptedException {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (total() < n && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(total()).as("answers within a minute").isGreaterThanOrEqualTo(n);
        }

        long total() {
            return ok.values().stream().mapToLong(AtomicLong::get).sum();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Calls per consumer in the ledger, read from its file while no gateway runs. */
    private static Map<String, Long> ledger(Path dir) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        try (JdbcLedger l = JdbcLedger.sqlite(dir.resolve("data/ledger.db"))) {
            for (Map.Entry<UsageKey, UsageCounts> e : l.usage(null, null, 0, Long.MAX_VALUE).entrySet()) {
                out.merge(e.getKey().consumer(), e.getValue().calls(), Long::sum);
                assertThat(e.getValue().units()).isEqualTo(2 * e.getValue().calls());
            }
        }
        return out;
    }

    private static Map<String, Long> counts(Load load) {
        Map<String, Long> out = new TreeMap<>();
        load.ok.forEach((c, n) -> out.put(c, n.get()));
        return out;
    }

    private static long sum(Map<String, Long> m) {
        return m.values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void sigtermUnderLoadLosesNoCallAndARestartContinuesTheCount(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            Path file = config(dir, backend);
            Map<String, Long> first;
            try (GatewayProcess gw = GatewayProcess.start(file)) {
                Load load = new Load(gw.port(), 2);
                load.await(600);
                assertThat(gw.terminate(30)).isNotEqualTo(-1); // while the clients keep calling
                load.close();
                first = counts(load);
                assertThat(gw.output()).doesNotContain("LEAK:").contains("usage ledger closed");
            }
            assertThat(sum(first)).isGreaterThanOrEqualTo(600);
            Map<String, Long> billed = ledger(dir);
            assertThat(sum(billed)).isEqualTo(backend.requests.get()); // every call the service saw, once
            // A call that reached the service just as the gateway closed its client connections is
            // billed (it reached the service) while its client saw the connection end: at most one per
            // client thread; every call a client saw answered is billed.
            for (String c : CONSUMERS) {
                assertThat(billed.getOrDefault(c, 0L)).as("billed calls of %s", c)
                        .isBetween(first.getOrDefault(c, 0L), first.getOrDefault(c, 0L) + 2);
            }

            try (GatewayProcess gw = GatewayProcess.start(file)) {
                Load load = new Load(gw.port(), 1);
                load.await(200);
                load.close();
                Map<String, Long> expected = new TreeMap<>(billed);
                counts(load).forEach((c, n) -> expected.merge(c, n, Long::sum));
                assertThat(gw.terminate(30)).isNotEqualTo(-1);
                assertThat(gw.output()).contains("usage ledger closed");
                assertThat(ledger(dir)).isEqualTo(expected);
            }
        }
    }

    @Test
    void killMinus9UnderLoadLosesAtMostTheLastFlushInterval(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            Path file = config(dir, backend);
            long served;
            long inWindow;
            long lost;
            try (GatewayProcess gw = GatewayProcess.start(file)) {
                Load load = new Load(gw.port(), 2);
                load.await(800);
                long killedAt = System.nanoTime();
                gw.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
                gw.process().waitFor();
                load.close();
                served = load.total();
                inWindow = load.okAt.stream().filter(t -> t >= killedAt - BOUND_NANOS - SLACK_NANOS).count();
                long inLedger = sum(ledger(dir));
                lost = served - inLedger;
                System.out.printf("kill -9: %d calls served, %d in the ledger, %d lost; %d ended in the last %d ms%n",
                        served, inLedger, lost, inWindow, (BOUND_NANOS + SLACK_NANOS) / 1_000_000);
                assertThat(inLedger).as("the ledger never counts more than was served").isLessThanOrEqualTo(served);
                assertThat(lost).as("lost %d of %d calls; %d ended in the last %d ms before the kill", lost, served,
                        inWindow, (BOUND_NANOS + SLACK_NANOS) / 1_000_000).isLessThanOrEqualTo(inWindow);
            }
            assertThat(served).isGreaterThanOrEqualTo(600);
            long before = sum(ledger(dir));
            try (GatewayProcess gw = GatewayProcess.start(file)) {
                Load load = new Load(gw.port(), 1);
                load.await(200);
                load.close();
                assertThat(gw.terminate(30)).isNotEqualTo(-1);
                assertThat(gw.output()).contains("usage ledger closed");
                assertThat(sum(ledger(dir))).isEqualTo(before + load.total());
            }
        }
    }
}
