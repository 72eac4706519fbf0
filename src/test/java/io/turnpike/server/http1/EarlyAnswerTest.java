package io.turnpike.server.http1;

import io.turnpike.server.Gateway;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.Limits;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An answer the gateway gives while the client is still sending (413 on a big upload, 431 on a
 * huge head) must reach the client: closing a socket with unread input sends a reset, which would
 * throw the answer away before the client reads it.
 */
@ExtendWith(NoLeaks.class)
class EarlyAnswerTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b1");
        gateway = Gateway.start(TestConfigs.gateway()
                .limits(new Limits(32 * 1024, 8 * 1024, 64 * 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), 100))
                .service("svc", backend.url())
                .route("all", "/**", "svc")
                .build());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    /** Sends {@code chunk} every {@code pauseMillis} until told to stop; remembers a failure to send. */
    private static final class Sender implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong sent = new AtomicLong();
        volatile IOException failure;
        private final Thread thread;

        Sender(RawHttp c, byte[] chunk, long pauseMillis) {
            thread = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        c.sendBytes(chunk);
                        sent.addAndGet(chunk.length);
                        if (pauseMillis > 0) Thread.sleep(pauseMillis);
                    }
                } catch (IOException e) {
                    failure = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sender");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits up to {@code millis} for sending to fail; true if it did. */
        boolean failsWithin(long millis) throws InterruptedException {
            thread.join(millis);
            return failure != null;
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(2000);
        }
    }

    @Test
    void a413ReachesAClientThatSendsItsWholeBodyBeforeReading() throws Exception {
        int size = 4 * 1024 * 1024;
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < size; sent += chunk.length) {
                c.sendBytes(chunk); // a reset here is the answer lost: most clients read only after sending
            }
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("connection")).isEqualTo("close");
        }
    }

    @Test
    void a413ReachesAClientStillUploadingWhileItReads() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.socket().setTcpNoDelay(true);
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + 100L * 1024 * 1024 + "\r\n\r\n");
            try (Sender upload = new Sender(c, new byte[16 * 1024], 2)) {
                Thread.sleep(500); // the answer is written at once; the upload goes on past it
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(413);
                assertThat(upload.sent.get()).as("still sending after the answer").isGreaterThan(64 * 1024);
                assertThat(upload.failure).as("the upload was reset under the client").isNull();
            }
        }
    }

    @Test
    void a431ReachesAClientThatSendsMoreAfterTheHead() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.socket().setTcpNoDelay(true);
            StringBuilder head = new StringBuilder("GET /echo HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 200; i++) head.append("X-H").append(i).append(": v\r\n");
            c.send(head.toString());
            try (Sender more = new Sender(c, "X-More: yes\r\n".repeat(100).getBytes(), 2)) {
                Thread.sleep(500);
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(431);
                assertThat(Json.parse(r.body()).get("detail").asText()).contains("more than 100 header fields");
                assertThat(more.failure).as("the client was reset while sending").isNull();
            }
        }
    }

    @Test
    void aServiceAnswerBeforeTheBodyEndedReachesAClientStillUploading() throws Exception {
        try (java.net.ServerSocket early = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .limits(Limits.DEFAULT)
                     .service("early", "http://127.0.0.1:" + early.getLocalPort())
                     .route("all", "/**", "early")
                     .build())) {
            Thread service = new Thread(() -> answerAfterTheHead(early), "early-service");
            service.setDaemon(true);
            service.start();
            int size = 4 * 1024 * 1024;
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
                byte[] chunk = new byte[64 * 1024];
                c.sendBytes(chunk);
                Thread.sleep(100);
                c.sendBytes(chunk); // the gateway passes the head on with a burst of body
                Thread.sleep(300); // the service answers now, long before the body ends
                for (int sent = 2 * chunk.length; sent < size; sent += chunk.length) {
                    c.sendBytes(chunk);
                }
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("early");
                assertThat(r.header("connection")).isEqualTo("close");
            }
        }
    }

    /** A service that answers once it has the head, reads no further, and closes after a while. */
    private static void answerAfterTheHead(java.net.ServerSocket server) {
        try (java.net.Socket s = server.accept()) {
            var in = s.getInputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) return;
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly".getBytes());
            s.getOutputStream().flush();
            Thread.sleep(3000);
        } catch (IOException | InterruptedException e) {
            // the test ended first
        }
    }

    @Test
    void closesTheConnectionAfterAPauseInWhatTheClientSends() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(1000));
            assertThat(c.read().status()).isEqualTo(413);
            Thread.sleep(LingeringClose.IDLE_NANOS / 1_000_000 + 500);
            assertThat(sendFails(c)).as("closed for good after the pause").isTrue();
        }
    }

    @Test
    void closesTheConnectionOfAClientThatNeverStopsSending() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + Long.MAX_VALUE / 2 + "\r\n\r\n");
            try (Sender forever = new Sender(c, new byte[16 * 1024], 10)) {
                assertThat(c.read().status()).isEqualTo(413);
                assertThat(forever.failsWithin(LingeringClose.TOTAL_NANOS / 1_000_000 + 3000))
                        .as("cut off after the lingering time").isTrue();
            }
        }
    }

    @Test
    void closesTheConnectionOfAClientThatSendsTooMuch() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + Long.MAX_VALUE / 2 + "\r\n\r\n");
            try (Sender flood = new Sender(c, new byte[64 * 1024], 0)) {
                assertThat(c.read().status()).isEqualTo(413);
                assertThat(flood.failsWithin(LingeringClose.TOTAL_NANOS / 1_000_000 - 1000))
                        .as("cut off once the discard limit is passed, before the lingering time").isTrue();
            }
        }
    }

    /** True when writing to {@code c} fails (the peer reset it); the first write may still be buffered. */
    private static boolean sendFails(RawHttp c) throws InterruptedException {
        try {
            for (int i = 0; i < 5; i++) {
                c.send("more");
                Thread.sleep(100);
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
