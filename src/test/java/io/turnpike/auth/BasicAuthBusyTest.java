package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Made-up Basic passwords arriving faster than bcrypt can check them: every request still gets an
 * HTTP answer (401 once checked, or 503 auth-busy with Retry-After when there is no room), never a
 * dropped connection, and one client address cannot take every place in the queue.
 */
@ExtendWith(NoLeaks.class)
class BasicAuthBusyTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        // Cost 10 (~60 ms a check): far slower than the requests below arrive.
        String hash = BCrypt.hashpw("correct horse", BCrypt.gensalt("$2b", 10));
        ConfigLoader.Result r = ConfigLoader.parse("basic-busy.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                consumers:
                  - { id: acme, credentials: [ { basic: { user: acme, passwordHash: "%s" } } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: basic, match: { path: "/basic/**" }, rewrite: { stripPrefix: /basic }, service: svc,
                      auth: [basic], timeout: 60s }
                """.formatted(hash, backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** What a client saw: the status and Retry-After, or that the connection ended without an answer. */
    private record Seen(int status, String retryAfter, String type, String closed) {}

    /** Sends one request per source address at the same moment and waits for every answer. */
    private static List<Seen> burst(List<String> from, List<String> passwords) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(from.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Seen>> seen = new ArrayList<>();
            for (int i = 0; i < from.size(); i++) {
                String address = from.get(i);
                String password = passwords.get(i);
                seen.add(threads.submit(() -> {
                    try (RawHttp c = new RawHttp(gateway.port(), address)) {
                        c.socket().setSoTimeout(60_000);
                        go.await();
                        c.send("GET /basic/echo HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic("acme", password)
                                + "\r\n\r\n");
                        RawHttp.Response r = c.read();
                        String type = r.header("content-type") != null && r.header("content-type").contains("problem")
                                ? Json.parse(r.body()).get("type").asText() : null;
                        return new Seen(r.status(), r.header("retry-after"), type, null);
                    } catch (java.io.IOException e) {
                        return new Seen(0, null, null, e.toString());
                    }
                }));
            }
            Thread.sleep(200); // every connection open and waiting
            go.countDown();
            List<Seen> out = new ArrayList<>();
            for (Future<Seen> f : seen) out.add(f.get());
            return out;
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<String> randomPasswords(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(UUID.randomUUID().toString());
        return out;
    }

    @Test
    void aFullPoolAnswers503WithRetryAfterAndNeverDropsTheConnection() throws Exception {
        // 120 clients, one request each from its own address: no per-address bound is reached,
        // so only the pool's queue can refuse.
        List<String> from = new ArrayList<>();
        for (int i = 0; i < 120; i++) from.add("127.0.1." + (i + 1));
        List<Seen> seen = burst(from, randomPasswords(from.size()));
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.closed()).as("a request got no answer").isNull();
            assertThat(s.status()).isIn(401, 503);
            if (s.status() == 503) {
                assertThat(s.type()).endsWith("/auth-busy");
                assertThat(Long.parseLong(s.retryAfter())).isPositive();
            }
        });
        assertThat(seen).filteredOn(s -> s.status() == 503).isNotEmpty();
        assertThat(seen).filteredOn(s -> s.status() == 401).isNotEmpty();
    }

    @Test
    void oneAddressCannotTakeTheWholeQueue() throws Exception {
        List<String> from = new ArrayList<>();
        for (int i = 0; i < 20; i++) from.add("127.0.2.1");
        List<String> passwords = randomPasswords(20);
        from.add("127.0.2.2"); // someone else, arriving with the flood
        passwords.add("correct horse");
        List<Seen> seen = burst(from, passwords);
        List<Seen> flood = seen.subList(0, 20);
        assertThat(flood).allSatisfy(s -> assertThat(s.status()).isIn(401, 503));
        // Twenty would fit the queue; the address's own bound refuses most of them at once.
        assertThat(flood).filteredOn(s -> s.status() == 503).hasSizeGreaterThanOrEqualTo(20 - BasicVerifier.PER_CLIENT);
        assertThat(seen.get(20).status()).isEqualTo(200);
    }
}
