package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RawOrigin;
import io.turnpike.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that pipelines requests and reads none of the answers must not make the gateway hold
 * their answers: each answer that arrives from the node in one piece used to be written out whole
 * and the next request served at once, so the unread answers piled up in the gateway's memory
 * (twenty such connections asking for 32 KB answers held 700 MB).
 */
@ExtendWith(NoLeaks.class)
class UnreadAnswersTest {
    private static final int ANSWER_BYTES = 48 * 1024;
    private static final int REQUESTS = 600;

    @Test
    void aClientThatReadsNoAnswersGetsNoFurtherRequestsServedUntilItReads() throws Exception {
        String body = "a".repeat(ANSWER_BYTES);
        try (RawOrigin node = new RawOrigin().answer(s -> "HTTP/1.1 200 OK\r\nContent-Length: " + ANSWER_BYTES
                + "\r\n\r\n" + body);
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", node.url())
                     .route("all", "/**", "svc").build())) {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", g.port()));
            try (RawHttp c = new RawHttp(socket)) {
                StringBuilder all = new StringBuilder();
                for (int i = 0; i < REQUESTS; i++) all.append("GET /").append(i).append(" HTTP/1.1\r\nHost: t\r\n\r\n");
                c.sendBytes(all.toString().getBytes(StandardCharsets.US_ASCII));

                // The node answers until the client's socket buffers are full (how many that is
                // depends on the kernel's buffer sizes: about 90 with Linux's default 4 MiB), then no more.
                int served = settled(node);
                assertThat(served).as("requests served for a client that reads nothing").isLessThan(REQUESTS / 2);

                for (int i = 0; i < REQUESTS; i++) {
                    RawHttp.Response r = c.read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body()).hasSize(ANSWER_BYTES);
                }
                assertThat(node.requestLines()).as("every request served, in order, once the client read")
                        .hasSize(REQUESTS).startsWith("GET /0 HTTP/1.1", "GET /1 HTTP/1.1")
                        .endsWith("GET /" + (REQUESTS - 1) + " HTTP/1.1");
            }
        }
    }

    /** How many requests the node has seen once that number stopped growing for half a second. */
    private static int settled(RawOrigin node) throws InterruptedException {
        int last = -1;
        int now = node.requestLines().size();
        while (now != last) {
            last = now;
            Thread.sleep(500);
            now = node.requestLines().size();
        }
        return now;
    }
}
