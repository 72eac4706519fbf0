package io.turnpike.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code hash(header:X-User)} through the gateway: a user sticks to a node, users spread, reloads keep it. */
@ExtendWith(NoLeaks.class)
class HashRoutingTest {

    private static String nodeFor(Gateway g, RawHttp c, String user) throws Exception {
        c.send("GET /who HTTP/1.1\r\nHost: x\r\nX-User: " + user + "\r\n\r\n");
        RawHttp.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        return r.body();
    }

    @Test
    void aUserSticksToOneNodeAcrossCallsAndReloads() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b"); TestBackend c = new TestBackend("c")) {
            TestConfigs config = TestConfigs.gateway().service("svc", a.url(), b.url(), c.url())
                    .balancing("svc", "hash(header:X-User)", ServiceSpec.Priority.DEFAULT)
                    .route("all", "/**", "svc");
            try (Gateway g = Gateway.start(config.build()); RawHttp conn = new RawHttp(g.port())) {
                Map<String, String> home = new HashMap<>();
                for (int u = 0; u < 30; u++) home.put("user-" + u, nodeFor(g, conn, "user-" + u));
                assertThat(new HashSet<>(home.values())).as("users spread over the nodes").hasSize(3);
                for (int round = 0; round < 3; round++) {
                    for (var e : home.entrySet()) assertThat(nodeFor(g, conn, e.getKey())).isEqualTo(e.getValue());
                }
                g.apply(config.build()); // a reload builds the same ring
                for (var e : home.entrySet()) assertThat(nodeFor(g, conn, e.getKey())).isEqualTo(e.getValue());
            }
        }
    }
}
