package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ObserveConfigTest {

    @Test
    void defaultsToAnAccessLogOnStdoutAndNoSpanExport() {
        GatewayConfig c = good("server: { listen: 127.0.0.1:8080 }");
        assertThat(c.observe()).isEqualTo(ObserveSettings.DEFAULT);
        assertThat(c.observe().tracing().enabled()).isFalse();
    }

    @Test
    void readsAccessLogAndTracing() {
        GatewayConfig c = good("""
                observe:
                  accessLog: { enabled: true, target: /var/log/turnpike/access.log, sampleSuccess: 0.25, compress: true }
                  tracing: { otlp: "http://127.0.0.1:4318/v1/traces", sampleRatio: 0.5 }
                """);
        assertThat(c.observe().accessLog())
                .isEqualTo(new ObserveSettings.AccessLog(true, "/var/log/turnpike/access.log", 0.25, true));
        assertThat(good("observe: { accessLog: { target: /var/log/turnpike/access.log } }\n").observe().accessLog().compress())
                .as("rotated files are not gzipped unless asked").isFalse();
        assertThat(c.observe().tracing())
                .isEqualTo(new ObserveSettings.Tracing("http://127.0.0.1:4318/v1/traces", 0.5));
    }

    @Test
    void takesAFilePathWithAPercentSignAsItIs() {
        assertThat(good("observe: { accessLog: { target: /var/log/a%d.log } }\n").observe().accessLog().target())
                .isEqualTo("/var/log/a%d.log");
    }

    @Test
    void reportsEveryBadValueWithItsLocation() {
        assertThat(problems("""
                observe:
                  accessLog: { enabled: maybe, sampleSuccess: 2 }
                  tracing: { otlp: "ftp://collector", sampleRatio: -1, colour: red }
                """)).containsExactly(
                "turnpike.yaml:2:25: observe.accessLog.enabled: \"maybe\" (expected: true or false)",
                "turnpike.yaml:2:47: observe.accessLog.sampleSuccess: \"2\" (expected: a number from 0.0 to 1.0)",
                "turnpike.yaml:3:20: observe.tracing.otlp: \"ftp://collector\" (expected: an OTLP/HTTP URL like http://127.0.0.1:4318/v1/traces)",
                "turnpike.yaml:3:52: observe.tracing.sampleRatio: \"-1\" (expected: a number from 0.0 to 1.0)",
                "turnpike.yaml:3:56: observe.tracing: unknown key \"colour\" (expected one of: otlp, sampleRatio)");
    }
}
