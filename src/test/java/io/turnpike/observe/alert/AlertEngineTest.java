package io.turnpike.observe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.AlertSettings;
import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.observe.analytics.Analytics;
import io.turnpike.observe.analytics.AnalyticsRecord;
import io.turnpike.observe.analytics.UsageSource;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.upstream.breaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each kind of alert fires and resolves with exactly one notice each, sent to a real webhook
 * receiver; time is moved by hand, the gateway, its breakers and health checks are real.
 */
@ExtendWith(NoLeaks.class)
class AlertEngineTest {
    private static final long T0 = 1_800_000_000_000L;
    private final AtomicLong now = new AtomicLong(T0);
    private final List<UsageSource.ConsumerUsage> usage = new CopyOnWriteArrayList<>();
    private final AtomicBoolean reloadFailed = new AtomicBoolean();
    private WebhookReceiver receiver;
    private TestBackend a, b, c;
    private Gateway gateway;
    private Analytics analytics;
    private Notifier notifier;
    private AlertEngine engine;

    @BeforeEach
    void start() throws Exception {
        receiver = new WebhookReceiver();
        a = new TestBackend("a");
        b = new TestBackend("b");
        c = new TestBackend("c");
        analytics = new Analytics(now::get, 100, 1 << 16, null);
        notifier = new Notifier();
    }

    @AfterEach
    void stop() {
        if (engine != null) engine.close();
        notifier.close();
        analytics.close();
        if (gateway != null) gateway.close();
        a.close();
        b.close();
        c.close();
        receiver.close();
    }

    /** A gateway with service "checked" (health-checked node a) and "outl" (nodes b, c, outlier detection), and the rules. */
    private void rules(String rules) throws Exception {
        String yaml = """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                services:
                  checked:
                    nodes: [ "%s" ]
                    healthCheck: { path: /health, interval: 50ms, timeout: 50ms, unhealthyAfter: 1, healthyAfter: 1 }
                  outl:
                    nodes: [ "%s", "%s" ]
                    outlierDetection: { consecutiveFailures: 2, ejectFor: 300ms, maxEjected: 50%% }
                routes:
                  - { id: hello, match: { path: /hello }, service: checked }
                  - { id: o, match: { path: /o }, service: outl }
                alerts:
                  channels:
                    ops: { webhook: "%s" }
                    chat: { webhook: "%s", format: slack }
                  retry: { attempts: 20, initialBackoff: 50ms, maxBackoff: 200ms, timeout: 2s }
                  rules:
                %s""".formatted(a.url(), b.url(), c.url(), receiver.url(), receiver.url().replace("alerts", "chat"),
                rules.indent(4));
        ConfigLoader.Result r = ConfigLoader.parse("test.yaml", yaml, Map.<String, String>of()::get);
        assertThat(r.problems()).isEmpty();
        GatewayConfig config = r.config();
        gateway = Gateway.start(config);
        AlertSettings settings = config.alerts();
        Signals signals = new Signals(analytics, gateway::snapshot, () -> usage, reloadFailed::get);
        engine = new AlertEngine(() -> settings, signals, notifier, now::get, () -> "http://127.0.0.1:9080/#alerts");
    }

    /** Moves time on second by second, rolling up and evaluating at each. */
    private void tick(int seconds) {
        for (int i = 0; i < seconds; i++) {
            now.addAndGet(1000);
            analytics.drain();
            engine.evaluate();
        }
    }

    private void calls(String route, int n, int status, long micros) {
        for (int i = 0; i < n; i++) {
            analytics.offer(new AnalyticsRecord(now.get(), route, "checked", null, "acme", null, status, 0, 10, micros));
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    /** Exactly one firing notice then (after {@code heal}) exactly one resolved notice. */
    private JsonNode firesAndResolvesOnce(String rule, Runnable breach, Runnable heal) throws Exception {
        breach.run();
        JsonNode firing = receiver.next();
        assertThat(firing.get("rule").asText()).isEqualTo(rule);
        assertThat(firing.get("state").asText()).isEqualTo("firing");
        assertThat(firing.get("endsAt").isNull()).isTrue();
        assertThat(firing.get("dashboard").asText()).isEqualTo("http://127.0.0.1:9080/#alerts");
        tick(3);
        assertThat(receiver.more(100)).isEmpty();
        heal.run();
        JsonNode resolved = receiver.next();
        assertThat(resolved.get("rule").asText()).isEqualTo(rule);
        assertThat(resolved.get("state").asText()).isEqualTo("resolved");
        assertThat(resolved.get("startsAt").asText()).isEqualTo(firing.get("startsAt").asText());
        assertThat(resolved.get("endsAt").isNull()).isFalse();
        tick(3);
        assertThat(receiver.more(150)).isEmpty();
        return firing;
    }

    @Test
    void errorRateFiresAfterForAndResolvesAfterResolveAfter() throws Exception {
        rules("""
                - { name: hello-errors, when: "errorRate(route=hello) > 5%", for: 30s, resolveAfter: 30s, notify: [ops], labels: { team: core } }
                """);
        for (int s = 0; s < 29; s++) {
            calls("hello", 8, 200, 1000);
            calls("hello", 2, 503, 1000);
            tick(1);
        }
        assertThat(engine.view().get("pending")).hasSize(1);
        assertThat(receiver.more(100)).isEmpty();
        JsonNode firing = firesAndResolvesOnce("hello-errors", () -> {
            calls("hello", 8, 200, 1000);
            calls("hello", 2, 503, 1000);
            tick(2);
        }, () -> {
            for (int s = 0; s < 100; s++) {
                calls("hello", 10, 200, 1000);
                tick(1);
            }
        });
        assertThat(firing.get("value").asDouble()).isEqualTo(20.0);
        assertThat(firing.get("valueText").asText()).isEqualTo("20%");
        assertThat(firing.get("threshold").asText()).isEqualTo("> 5%");
        assertThat(firing.get("labels").get("route").asText()).isEqualTo("hello");
        assertThat(firing.get("labels").get("team").asText()).isEqualTo("core");
        assertThat(firing.get("startsAt").asText()).isEqualTo(java.time.Instant.ofEpochMilli(T0 + 31_000).toString());
        JsonNode view = engine.view();
        assertThat(view.get("firing")).isEmpty();
        assertThat(view.get("recent")).hasSize(2);
    }

    @Test
    void latencyRequestRateAndRateLimitedFireAndResolve() throws Exception {
        rules("""
                - { name: slow, when: "p99(route=hello, window=10s) > 500ms", notify: [ops], resolveAfter: 0 }
                - { name: quiet, when: "requestRate(route=o, window=10s) < 1/s", notify: [ops], resolveAfter: 0 }
                - { name: limited, when: "rateLimited(route=hello, window=10s) > 2/s", notify: [ops], resolveAfter: 0 }
                """);
        // keep "o" busy and "hello" fast so only the rule under test is breached
        Runnable steady = () -> calls("o", 20, 200, 1000);
        steady.run();
        calls("hello", 20, 200, 1000);
        tick(1);
        assertThat(receiver.more(100)).isEmpty();

        firesAndResolvesOnce("slow", () -> {
            steady.run();
            calls("hello", 20, 200, 900_000);
            tick(1);
        }, () -> {
            for (int s = 0; s < 21; s++) {
                steady.run();
                calls("hello", 20, 200, 1000);
                tick(1);
            }
        });
        firesAndResolvesOnce("quiet", () -> tick(21), () -> {
            steady.run();
            steady.run();
            tick(1);
        });
        firesAndResolvesOnce("limited", () -> {
            steady.run();
            calls("hello", 40, 429, 100);
            tick(1);
        }, () -> {
            for (int s = 0; s < 21; s++) {
                steady.run();
                tick(1);
            }
        });
    }

    @Test
    void breakerNodeAndServiceStatesFireAndResolve() throws Exception {
        rules("""
                - { name: breaker, when: "circuitOpen(service=*)", notify: [ops], resolveAfter: 0 }
                - { name: down, when: "nodeDown(service=checked)", notify: [ops], resolveAfter: 0 }
                - { name: ejected, when: "nodeEjected(service=outl)", notify: [ops], resolveAfter: 0 }
                """);
        tick(1);
        assertThat(receiver.more(100)).isEmpty();
        CircuitBreaker outl = gateway.snapshot().services().get("outl").guard().breaker().circuit();
        JsonNode f = firesAndResolvesOnce("breaker", () -> {
            outl.override(CircuitBreaker.Manual.OPEN, "test", "deploying");
            tick(1);
        }, () -> {
            outl.override(CircuitBreaker.Manual.AUTO, "test", "done");
            tick(1);
        });
        assertThat(f.get("labels").get("service").asText()).isEqualTo("outl");

        JsonNode down = firesAndResolvesOnce("down", () -> {
            a.failWith = 503;
            awaitQuietly("a checked down", () -> gateway.snapshot().services().get("checked").nodes().get(0).health().checkedDown());
            tick(1);
        }, () -> {
            a.failWith = 0;
            awaitQuietly("a healthy", () -> !gateway.snapshot().services().get("checked").nodes().get(0).health().checkedDown());
            tick(1);
        });
        assertThat(down.get("labels").get("node").asText()).isEqualTo("127.0.0.1:" + a.port());

        firesAndResolvesOnce("ejected", () -> {
            b.failWith = 500;
            awaitQuietly("b ejected", () -> {
                try {
                    try (RawHttp http = new RawHttp(gateway.port())) {
                        http.send("GET /o HTTP/1.1\r\nHost: x\r\n\r\n");
                        http.read();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return gateway.snapshot().services().get("outl").nodes().get(0).health().ejected(io.netty.util.concurrent.Ticker.systemTicker().nanoTime());
            });
            tick(1);
        }, () -> {
            b.failWith = 0;
            awaitQuietly("ejection over", () -> !gateway.snapshot().services().get("outl").nodes().get(0).health().ejected(io.netty.util.concurrent.Ticker.systemTicker().nanoTime()));
            tick(1);
        });
    }

    @Test
    void allNodesDownQuotaAndReloadFailedFireAndResolve() throws Exception {
        rules("""
                - { name: all-down, when: "allNodesDown(service=checked)", notify: [ops, chat], resolveAfter: 0 }
                - { name: quota, when: "quotaUsed(consumer=*) > 90%", notify: [ops], resolveAfter: 0 }
                - { name: reload, when: "reloadFailed()", notify: [ops], resolveAfter: 0 }
                """);
        tick(1);
        firesAndResolvesOnce("all-down", () -> {
            a.failWith = 503;
            awaitQuietly("a down", () -> gateway.snapshot().services().get("checked").nodes().get(0).health().checkedDown());
            tick(1);
        }, () -> {
            a.failWith = 0;
            awaitQuietly("a up", () -> !gateway.snapshot().services().get("checked").nodes().get(0).health().checkedDown());
            tick(1);
        });
        JsonNode slack = receiver.chat.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(slack.get("text").asText()).startsWith(":rotating_light: *FIRING* all-down: allNodesDown(service=checked)");
        assertThat(slack.get("text").asText()).contains("<http://127.0.0.1:9080/#alerts|dashboard>");
        assertThat(receiver.chat.poll(5, java.util.concurrent.TimeUnit.SECONDS).get("text").asText())
                .startsWith(":white_check_mark: *RESOLVED* all-down");
        usage.add(new UsageSource.ConsumerUsage("acme", "pro", 800, 1000, new java.math.BigDecimal("0.16"), "USD"));
        tick(1);
        assertThat(receiver.more(100)).isEmpty();
        JsonNode q = firesAndResolvesOnce("quota", () -> {
            usage.set(0, new UsageSource.ConsumerUsage("acme", "pro", 950, 1000, new java.math.BigDecimal("0.19"), "USD"));
            tick(1);
        }, () -> {
            usage.clear();
            tick(1);
        });
        assertThat(q.get("valueText").asText()).isEqualTo("95%");
        assertThat(q.get("labels").get("consumer").asText()).isEqualTo("acme");
        firesAndResolvesOnce("reload", () -> {
            reloadFailed.set(true);
            tick(1);
        }, () -> {
            reloadFailed.set(false);
            tick(1);
        });
    }

    // the slack-format notices arrive at the same receiver; firesAndResolvesOnce reads "rule" from JSON ones only
    @Test
    void flappingInputSendsNoStorm() throws Exception {
        rules("""
                - { name: breaker, when: "circuitOpen(service=outl)", for: 10s, resolveAfter: 20s, notify: [ops] }
                """);
        CircuitBreaker outl = gateway.snapshot().services().get("outl").guard().breaker().circuit();
        // flaps every 3 s for a minute: never open for 10 s at a stretch, so never fires
        for (int i = 0; i < 20; i++) {
            outl.override(i % 2 == 0 ? CircuitBreaker.Manual.OPEN : CircuitBreaker.Manual.AUTO, "test", "flap");
            tick(3);
        }
        assertThat(receiver.more(200)).isEmpty();
        // open for good: fires once; then flapping while firing never resolves it
        outl.override(CircuitBreaker.Manual.OPEN, "test", "down");
        tick(11);
        assertThat(receiver.next().get("state").asText()).isEqualTo("firing");
        for (int i = 0; i < 20; i++) {
            outl.override(i % 2 == 0 ? CircuitBreaker.Manual.AUTO : CircuitBreaker.Manual.OPEN, "test", "flap");
            tick(5);
        }
        assertThat(receiver.more(200)).isEmpty();
        outl.override(CircuitBreaker.Manual.AUTO, "test", "fixed");
        tick(25);
        assertThat(receiver.next().get("state").asText()).isEqualTo("resolved");
        assertThat(receiver.more(200)).isEmpty();
    }

    @Test
    void aSilencedRuleSendsNothingButStaysVisible() throws Exception {
        rules("""
                - { name: reload, when: "reloadFailed()", notify: [ops], resolveAfter: 0 }
                """);
        assertThat(engine.silence("nope", Duration.ofMinutes(1))).isNull();
        assertThat(engine.silence("reload", Duration.ofMinutes(30))).isNotNull();
        reloadFailed.set(true);
        tick(2);
        JsonNode view = engine.view();
        assertThat(view.get("firing")).hasSize(1);
        assertThat(view.get("firing").get(0).get("silenced").asBoolean()).isTrue();
        assertThat(view.get("recent").get(0).get("silenced").asBoolean()).isTrue();
        assertThat(view.get("silences").has("reload")).isTrue();
        reloadFailed.set(false);
        tick(1);
        assertThat(receiver.more(200)).isEmpty();
        // the silence ends: the next alert is sent
        tick(30 * 60);
        reloadFailed.set(true);
        tick(1);
        assertThat(receiver.next().get("state").asText()).isEqualTo("firing");
    }

    @Test
    void silencesOutliveARestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        rules("""
                - { name: reload, when: "reloadFailed()", notify: [ops], resolveAfter: 0 }
                """);
        java.nio.file.Path file = dir.resolve("alert-silences.json");
        engine.silencesIn(file);
        engine.silence("reload", Duration.ofMinutes(30));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file)))
                .as("readable by the gateway's user alone, like the rest of dataDir").isEqualTo("rw-------");
        try (var left = java.nio.file.Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("alert-silences.json");
        }
        AlertEngine restarted = new AlertEngine(() -> gateway.snapshot().config().alerts(), null, notifier, now::get,
                () -> null).silencesIn(file);
        assertThat(restarted.view().get("silences").has("reload")).isTrue();
        // an ended silence is not brought back
        now.addAndGet(Duration.ofMinutes(31).toMillis());
        AlertEngine later = new AlertEngine(() -> gateway.snapshot().config().alerts(), null, notifier, now::get,
                () -> null).silencesIn(file);
        assertThat(later.view().get("silences").has("reload")).isFalse();
    }

    @Test
    void aReceiverThatIsDownGetsTheNoticeOnceItIsBackUp() throws Exception {
        rules("""
                - { name: reload, when: "reloadFailed()", notify: [ops], resolveAfter: 0 }
                """);
        firesAndResolvesOnce("reload", () -> { // warms the HTTP client up
            reloadFailed.set(true);
            tick(1);
        }, () -> {
            reloadFailed.set(false);
            tick(1);
        });
        receiver.down();
        reloadFailed.set(true);
        long t0 = System.nanoTime();
        tick(1);
        assertThat(System.nanoTime() - t0).as("evaluation does not wait for the receiver").isLessThan(Duration.ofMillis(500).toNanos());
        Thread.sleep(400); // a few attempts fail meanwhile
        assertThat(notifier.pending()).isEqualTo(1);
        receiver.up();
        JsonNode n = receiver.next();
        assertThat(n.get("state").asText()).isEqualTo("firing");
        assertThat(receiver.more(400)).isEmpty();
        awaitTrue("delivered", () -> notifier.delivered() == 3 && notifier.pending() == 0);
    }

    private static void awaitQuietly(String what, BooleanSupplier condition) {
        try {
            awaitTrue(what, condition);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused")
    private static List<String> states(List<JsonNode> notices) {
        List<String> out = new ArrayList<>();
        notices.forEach(n -> out.add(n.get("state").asText()));
        return out;
    }
}
