package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code services.<id>.protocol}, its {@code http2:} settings, and the gRPC statuses {@code retries.on} takes. */
class ServiceProtocolConfigTest {

    @Test
    void readsTheProtocolHttp1ByDefault() {
        GatewayConfig c = good("""
                services:
                  plain: { nodes: [ http://a:80 ] }
                  cleartext: { nodes: [ http://b:80 ], protocol: h2c }
                  secure: { nodes: [ https://c ], protocol: h2 }
                """);
        assertThat(c.services().get("plain").protocol()).isEqualTo(ServiceSpec.Protocol.HTTP1);
        assertThat(c.services().get("cleartext").protocol()).isEqualTo(ServiceSpec.Protocol.H2C);
        assertThat(c.services().get("secure").protocol()).isEqualTo(ServiceSpec.Protocol.H2);
    }

    @Test
    void refusesH2OverHttpNodesH2cOverHttpsNodesAndUnknownProtocols() {
        assertThat(problems("services:\n  a: { nodes: [ http://a:80 ], protocol: h2 }\n")).singleElement().asString()
                .contains("services.a.protocol", "h2 needs https:// nodes");
        assertThat(problems("services:\n  a: { nodes: [ https://a ], protocol: h2c }\n")).singleElement().asString()
                .contains("services.a.protocol", "h2c needs http:// nodes");
        assertThat(problems("services:\n  a: { nodes: [ http://a:80 ], protocol: http2 }\n")).singleElement().asString()
                .contains("services.a.protocol", "\"http2\"", "http1, h2 or h2c");
    }

    @Test
    void anHttp2ServiceTakesItsFlowControlWindow() {
        GatewayConfig c = good("""
                services:
                  big: { nodes: [ http://b:80 ], protocol: h2c, http2: { initialWindowSize: 1MiB } }
                  plain: { nodes: [ http://b:80 ], protocol: h2c }
                """);
        assertThat(c.services().get("big").http2().initialWindowSize()).isEqualTo(1 << 20);
        assertThat(c.services().get("plain").http2()).isEqualTo(ServiceSpec.Http2.DEFAULT);
        assertThat(problems("services:\n  a: { nodes: [ http://a:80 ], http2: { initialWindowSize: 1MiB } }\n"))
                .singleElement().asString().contains("services.a.http2", "protocol: h2 or h2c");
        assertThat(problems("services:\n  a: { nodes: [ http://a:80 ], protocol: h2c, http2: { initialWindowSize: 1000 } }\n"))
                .singleElement().asString().contains("services.a.http2.initialWindowSize");
    }

    @Test
    void retriesTakeGrpcStatusesByName() {
        ServiceSpec s = good("""
                services:
                  a: { nodes: [ http://a:80 ], protocol: h2c, retries: { on: [grpc-unavailable, grpc-resource-exhausted, 503] } }
                """).services().get("a");
        assertThat(s.retries().onGrpcStatuses()).isEqualTo(Set.of(14, 8));
        assertThat(s.retries().onStatuses()).isEqualTo(Set.of(503));
        assertThat(problems("services:\n  a: { nodes: [ http://a:80 ], retries: { on: [grpc-sleepy] } }\n"))
                .singleElement().asString().contains("grpc-sleepy", "a gRPC status like grpc-unavailable");
    }
}
