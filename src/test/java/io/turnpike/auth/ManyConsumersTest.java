package io.turnpike.auth;

import io.turnpike.core.Consumer;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A config with 10,000 consumers: it loads, and every key finds its own consumer by one lookup of
 * its digest (no scan: the first, the middle and the last are found alike, and no key finds another's).
 */
@ExtendWith(NoLeaks.class)
class ManyConsumersTest {
    private static final int N = 10_000;

    private static String key(int i) {
        return "consumer-key-%06d-0123456789".formatted(i);
    }

    @Test
    void tenThousandConsumersLoadAndEachKeyFindsItsOwn() throws Exception {
        StringBuilder yaml = new StringBuilder("""
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                consumers:
                """);
        for (int i = 0; i < N; i++) {
            yaml.append("  - { id: c").append(i).append(", groups: [g").append(i % 7).append("], credentials: [ { ")
                    .append(i % 2 == 0 ? "apiKey: " + key(i) : "apiKeyHash: " + java.util.HexFormat.of().formatHex(Consumers.sha256(key(i))))
                    .append(" } ] }\n");
        }
        try (TestBackend b = new TestBackend("b")) {
            yaml.append("""
                    services: { svc: { nodes: [ "%s" ] } }
                    routes: [ { id: r, match: { path: "/**" }, service: svc, auth: [apiKey] } ]
                    """.formatted(b.url()));
            ConfigLoader.Result r = ConfigLoader.parse("many.yaml", yaml.toString(), n -> null);
            assertThat(r.problems()).isEmpty();
            assertThat(r.config().consumers()).hasSize(N);

            Consumers consumers = new Consumers(r.config().consumers());
            assertThat(consumers.apiKeyCount()).isEqualTo(N);
            int found = 0;
            for (int i = 0; i < N; i++) {
                Consumer c = consumers.byApiKey(key(i));
                if (c != null && c.id().equals("c" + i)) found++;
            }
            assertThat(found).isEqualTo(N);
            assertThat(consumers.byApiKey(key(N))).isNull();

            try (Gateway g = Gateway.start(r.config())) {
                for (int i : new int[] {0, N / 2, N - 1}) {
                    try (RawHttp c = new RawHttp(g.port())) {
                        c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key(i) + "\r\n\r\n");
                        RawHttp.Response resp = c.read();
                        assertThat(resp.status()).isEqualTo(200);
                        assertThat(Json.parse(resp.body()).at("/headers/x-consumer-id").asText()).isEqualTo("c" + i);
                    }
                }
            }
        }
    }
}
