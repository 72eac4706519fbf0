package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A route's {@code websocket:} and {@code server.limits.websocketIdleTimeout}. */
class WebSocketConfigTest {
    private static final String SERVICES = """
            services:
              chat: { nodes: [ http://chat.internal ] }
            """;

    @Test
    void readsTheRouteKeyAndTheIdleTimeout() {
        GatewayConfig c = good("""
                server: { limits: { websocketIdleTimeout: 90s } }
                """ + SERVICES + """
                routes:
                  - { id: live, match: { path: /live }, service: chat, websocket: true }
                  - { id: rest, match: { path: /rest }, service: chat }
                """);
        assertThat(c.routes().get(0).websocket()).isTrue();
        assertThat(c.routes().get(1).websocket()).isFalse();
        assertThat(c.server().limits().websocketIdleTimeout()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void theIdleTimeoutDefaultsToFiveMinutes() {
        assertThat(good(SERVICES).server().limits().websocketIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void refusesAnAggregateThatWouldSwitchAndBadValues() {
        assertThat(problems("""
                server: { limits: { websocketIdleTimeout: 0s } }
                """ + SERVICES + """
                routes:
                  - id: dash
                    match: { path: /dash }
                    websocket: true
                    aggregate: { calls: { a: { service: chat, path: /a } } }
                  - { id: odd, match: { path: /odd }, service: chat, websocket: maybe }
                """)).hasSize(3).anySatisfy(p -> assertThat(p).startsWith("turnpike.yaml:1:")
                        .contains("server.limits.websocketIdleTimeout"))
                .anySatisfy(p -> assertThat(p).startsWith("turnpike.yaml:7:").contains("routes[0].websocket")
                        .contains("cannot switch to WebSocket"))
                .anySatisfy(p -> assertThat(p).startsWith("turnpike.yaml:9:").contains("routes[1].websocket"));
    }
}
