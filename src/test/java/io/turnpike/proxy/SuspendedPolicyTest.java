package io.turnpike.proxy;

import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import io.turnpike.core.Policy;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A policy step that decides later (a password hash, an introspection call, a Redis script): the
 * request waits with its body queued and goes on, or is answered, when the step completes.
 */
@ExtendWith(NoLeaks.class)
class SuspendedPolicyTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("suspend.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: later-pass, match: { path: "/pass/**" }, rewrite: { stripPrefix: /pass }, service: svc }
                  - { id: later-answer, match: { path: /answer }, service: svc }
                  - { id: never, match: { path: /never }, service: svc, timeout: 300ms }
                  - { id: broken, match: { path: /broken }, service: svc }
                """.formatted(backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
        step("/pass/echo", call -> Verdict.later(CompletableFuture.supplyAsync(() -> Verdict.PASS,
                CompletableFuture.delayedExecutor(150, TimeUnit.MILLISECONDS))));
        step("/answer", call -> {
            call.responseHeaders().set("Retry-After", "7");
            return Verdict.later(CompletableFuture.supplyAsync(
                    () -> Verdict.answer(Problems.Kind.RATE_LIMITED, "slow down"),
                    CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)));
        });
        step("/never", call -> Verdict.later(new CompletableFuture<>()));
        step("/broken", call -> Verdict.later(CompletableFuture.failedFuture(new IllegalStateException("down"))));
    }

    /** Puts a test step first in the chain of the route serving {@code path}. */
    private static void step(String path, Policy policy) {
        ProxyRoute route = gateway.snapshot().router().find("x", "POST", path, new DefaultHttpHeaders()).route();
        route.policies[0] = policy;
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    @Test
    void theRequestAndItsBodyGoOnWhenTheStepPasses() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /pass/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
            RawHttp.Response res = c.read();
            assertThat(res.status()).isEqualTo(200);
            assertThat(Json.parse(res.body()).get("bodyBytes").asInt()).isEqualTo(11);
            // The connection stays usable for the next request.
            c.send("GET /pass/echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void aLaterAnswerCarriesTheStepsHeaders() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /answer HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response res = c.read();
            assertThat(res.status()).isEqualTo(429);
            assertThat(res.header("retry-after")).isEqualTo("7");
            assertThat(Json.parse(res.body()).get("detail").asText()).isEqualTo("slow down");
        }
    }

    @Test
    void aStepThatNeverDecidesEndsAtTheRouteTimeout() throws Exception {
        long t0 = System.nanoTime();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response res = c.read();
            assertThat(res.status()).isEqualTo(503);
            assertThat(Json.parse(res.body()).get("type").asText()).endsWith("/check-unavailable");
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(250);
    }

    @Test
    void aFailedStepNeverLetsTheCallIn() throws Exception {
        int before = backend.requests.get();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /broken HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(503);
        }
        assertThat(backend.requests.get()).isEqualTo(before);
    }
}
