package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.AlertExpression;
import io.turnpike.observe.Observability;
import io.turnpike.observe.alert.Signals;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operators see of the TLS certificates: {@code GET /admin/certificates}, the
 * {@code turnpike_tls_certificate_expiry_seconds} gauge and the {@code certificateExpiry} alert.
 */
@ExtendWith(NoLeaks.class)
class CertificatesAdminTest {
    private static final String TLS = """
            server:
              listen: "127.0.0.1:0"
              eventLoops: 1
              tls:
                listen: "127.0.0.1:0"
                certificates:
                  - { cert: api.pem, key: api.key }
                  - { cert: soon.pem, key: soon.key, hosts: ["*.soon.example"] }
                defaultCertificate: 1
            """;

    @Test
    void listsEveryCertificateAndReportsAndAlertsOnItsExpiry(@TempDir Path dir) throws Exception {
        TestPki.Issued ca = TestPki.ca("Admin Root");
        TestPki.Issued api = TestPki.server(ca, "api.example.com", false, Duration.ofDays(60), "api.example.com", "www.example.com");
        TestPki.Issued soon = TestPki.server(ca, "soon.example", true, Duration.ofDays(5), "soon.example");
        api.write(dir.resolve("api.pem"), dir.resolve("api.key"));
        soon.write(dir.resolve("soon.pem"), dir.resolve("soon.key"));
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), "")
                     .replace("server: { listen: \"127.0.0.1:0\", eventLoops: 1 }\n", TLS))) {
            HttpResponse<String> res = f.admin("GET", "/admin/certificates", null);
            assertThat(res.statusCode()).isEqualTo(200);
            JsonNode list = Json.parse(res.body()).get("certificates");
            assertThat(list).hasSize(2);
            JsonNode first = list.get(0);
            assertThat(first.get("subject").asText()).isEqualTo("CN=api.example.com");
            assertThat(first.get("names").toString()).isEqualTo("[\"api.example.com\",\"www.example.com\"]");
            assertThat(first.get("notAfter").asText()).isEqualTo(api.cert().getNotAfter().toInstant().toString());
            assertThat(first.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(api.cert().getEncoded())));
            assertThat(first.get("serial").asText()).isEqualTo(api.serial().toString(16));
            assertThat(first.get("default").asBoolean()).isFalse();
            assertThat(list.get(1).get("names").toString()).isEqualTo("[\"*.soon.example\"]");
            assertThat(list.get(1).get("default").asBoolean()).isTrue();
            assertThat(f.admin("GET", "/admin/certificates", null, null).statusCode()).isEqualTo(401);

            try (Observability o = new Observability()) {
                o.certificates(f.gateway.certificates()::served);
                Matcher m = Pattern.compile("turnpike_tls_certificate_expiry_seconds\\{cert=\"api.example.com\"} (\\S+)")
                        .matcher(o.scrape());
                assertThat(m.find()).as(o.scrape()).isTrue();
                assertThat(Double.parseDouble(m.group(1))).isCloseTo(Duration.ofDays(60).toSeconds(),
                        org.assertj.core.api.Assertions.within(600.0));
                assertThat(o.scrape()).contains("turnpike_tls_certificate_expiry_seconds{cert=\"*.soon.example\"}");
            }

            Signals signals = new Signals(null, () -> null, List::of, () -> false, f.gateway.certificates()::served);
            List<Signals.Sample> samples = signals.sample(AlertExpression.parse("certificateExpiry(cert=*) < 14d"));
            assertThat(samples).extracting(Signals.Sample::labels, Signals.Sample::breached).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(Map.of("cert", "api.example.com"), false),
                    org.assertj.core.groups.Tuple.tuple(Map.of("cert", "*.soon.example"), true));
            assertThat(signals.sample(AlertExpression.parse("certificateExpiry(cert=api.example.com) < 1200h")))
                    .singleElement().extracting(Signals.Sample::breached).isEqualTo(false);
        }
    }

    @Test
    void theAlertConditionSaysWhatItNeeds() {
        assertThatThrownBy(() -> AlertExpression.parse("certificateExpiry() < 14d"))
                .hasMessageContaining("certificateExpiry needs cert=");
        assertThatThrownBy(() -> AlertExpression.parse("certificateExpiry(cert=*) < 14%"))
                .hasMessageContaining("(expected: a time like 14d or 36h)");
        assertThatThrownBy(() -> AlertExpression.parse("certificateExpiry(cert=*, window=5m) < 14d"))
                .hasMessageContaining("\"window\" is not an argument of certificateExpiry");
    }
}
