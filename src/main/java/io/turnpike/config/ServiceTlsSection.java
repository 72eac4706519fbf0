package io.turnpike.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Binds a service's {@code tls:} block (TLS to its nodes) into a {@link ServiceSpec.Tls}. */
final class ServiceTlsSection {
    private static final String FILE = "a PEM file path";

    private ServiceTlsSection() {}

    /** @return null when there is no {@code tls:} */
    static ServiceSpec.Tls bind(ConfigNode tls) {
        if (!tls.isPresent()) return null;
        if (!tls.isMapping()) {
            tls.expected("a mapping like { ca: certs/ca.pem, serverName: billing.internal }");
            return null;
        }
        tls.checkKeys(List.of("ca", "serverName", "verify", "clientCert"), Map.of());
        Path ca = file(tls.get("ca"));
        String serverName = tls.get("serverName").text("a host name the nodes' certificates carry");
        if (serverName != null && !HostPort.isHostName(serverName.strip().toLowerCase(java.util.Locale.ROOT))) {
            tls.get("serverName").expected("a DNS host name, like billing.internal");
            serverName = null;
        }
        ConfigNode verifyNode = tls.get("verify");
        boolean verify = verifyNode.bool(true);
        if (!verify && verifyNode.isPresent()) {
            verifyNode.warning("false: the nodes' certificates are not checked at all (chain and name), so anyone "
                    + "on the path can pose as the service; use ca: with the service's CA instead");
        }
        ConfigNode client = tls.get("clientCert");
        ServiceSpec.Tls.ClientCert clientCert = null;
        if (client.isPresent()) {
            client.checkKeys(List.of("cert", "key"), Map.of());
            Path cert = file(client.require("cert", FILE));
            Path key = file(client.require("key", "a PEM file path (PKCS#8 private key)"));
            if (cert != null && key != null) clientCert = new ServiceSpec.Tls.ClientCert(cert, key);
        }
        return new ServiceSpec.Tls(ca, serverName == null ? null : serverName.strip(), verify, clientCert);
    }

    private static Path file(ConfigNode n) {
        String text = n.text(FILE);
        if (text == null) return null;
        try {
            return Path.of(text.strip());
        } catch (InvalidPathException e) {
            n.expected(FILE);
            return null;
        }
    }
}
