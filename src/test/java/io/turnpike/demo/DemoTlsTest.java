package io.turnpike.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's HTTPS listener: the config it writes loads, and a client that trusts only the CA file
 * the demo prints (as {@code curl --cacert} does) verifies the gateway as {@code localhost}.
 */
@ExtendWith(NoLeaks.class)
class DemoTlsTest {
    @Test
    void aClientTrustingTheDemoCaVerifiesLocalhost(@TempDir Path dir) throws Exception {
        Map<String, List<Integer>> ports = new LinkedHashMap<>();
        ports.put("users", List.of(9001));
        ports.put("orders", List.of(9002));
        ports.put("catalog", List.of(9003));
        DemoCertificate cert = DemoCertificate.create(dir);
        GatewayConfig built = DemoConfig.withTls(DemoConfig.build("127.0.0.1", 0, ports), 0, cert);
        ConfigLoader.Result loaded = ConfigLoader.parse("demo", DemoConfig.yaml(built), name -> null);
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.config().server().tls().certificates().get(0).cert()).isEqualTo(cert.certFile());

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert.caFile())) {
            trust.setCertificateEntry("demo", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);

        try (Gateway g = Gateway.start(loaded.config());
             SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", g.tlsPort())) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // what curl checks: the name is in the certificate
            s.setSSLParameters(p);
            s.startHandshake();
            try (RawHttp http = new RawHttp(s)) {
                http.send("GET /api/nope HTTP/1.1\r\nHost: localhost\r\n\r\n");
                RawHttp.Response res = http.read();
                assertThat(res.status()).isEqualTo(404);
                assertThat(res.header("content-type")).isEqualTo("application/problem+json");
            }
        }
    }
}
