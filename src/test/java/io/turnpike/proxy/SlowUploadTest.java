package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The idle timeout waits for the node's answer; a body still being sent to the node is not idle time. */
@ExtendWith(NoLeaks.class)
class SlowUploadTest {
    @Test
    void anUploadLongerThanTheIdleTimeoutStillGetsItsAnswer() throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            ConfigLoader.Result r = ConfigLoader.parse("slow.yaml", """
                    server: { listen: "127.0.0.1:0", eventLoops: 1 }
                    admin: { listen: off }
                    observe: { accessLog: { enabled: false } }
                    services:
                      svc: { nodes: [ "%s" ], timeouts: { request: 10s, idle: 300ms } }
                    routes:
                      - { id: up, match: { path: "/echo" }, service: svc }
                    """.formatted(backend.url()), name -> null);
            assertThat(r.problems()).isEmpty();
            try (Gateway gateway = Gateway.start(r.config()); RawHttp c = new RawHttp(gateway.port())) {
                c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n");
                for (int i = 0; i < 5; i++) {
                    Thread.sleep(150); // 750 ms in all, well past the 300 ms idle timeout
                    c.send("x".repeat(100));
                }
                RawHttp.Response res = c.read();
                assertThat(res.status()).as(res.body()).isEqualTo(200);
                assertThat(Json.parse(res.body()).get("bodyBytes").asInt()).isEqualTo(500);
            }
        }
    }
}
