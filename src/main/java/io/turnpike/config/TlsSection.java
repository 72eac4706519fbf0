package io.turnpike.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds {@code server.tls:} into {@link TlsSettings}. File paths are kept as written; the loader
 * resolves relative ones against the config file's folder. The files themselves are read when the
 * listener starts (and whenever they change), not here.
 */
final class TlsSection {
    private static final Leaf.Words PROTOCOLS = Leaf.words("TLSv1.3", "TLSv1.2");
    private static final List<String> REFUSED = List.of("SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1");
    private static final Leaf.Words CLIENT_AUTH = Leaf.words("none", "optional", "require");
    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final String CERT_EXPECTED = "{cert: certs/api.pem, key: certs/api.key}";

    private TlsSection() {}

    static TlsSettings bind(ConfigNode tls) {
        if (!tls.isPresent()) return null;
        if (!tls.isMapping()) {
            tls.expected("{listen: 0.0.0.0:8443, certificates: [" + CERT_EXPECTED + "]}");
            return null;
        }
        tls.checkKeys(List.of("listen", "certificates", "defaultCertificate", "protocols", "clientAuth", "clientCa",
                "redirectHttp"), Map.of());
        ConfigNode listen = tls.require("listen", "host:port like 0.0.0.0:8443");
        String text = listen.text(ServerSection.LISTEN_EXPECTED);
        HostPort hp = text == null ? null : ServerSection.parseListen(text.strip());
        if (text != null && hp == null) listen.expected("host:port like 0.0.0.0:8443, :8443 or 8443");
        List<TlsSettings.Certificate> certs = new ArrayList<>();
        ConfigNode list = tls.require("certificates", "a list like [" + CERT_EXPECTED + "]");
        List<ConfigNode> items = list.items("a list like [" + CERT_EXPECTED + "]", false);
        for (ConfigNode c : items) {
            TlsSettings.Certificate cert = certificate(c);
            if (cert != null) certs.add(cert);
        }
        if (!tls.isRecording() && list.isSequence() && items.isEmpty()) {
            list.expected("at least one certificate, like [" + CERT_EXPECTED + "]");
        }
        ConfigNode defaultNode = tls.get("defaultCertificate");
        int defaultCert = defaultNode.integer(0, Integer.MAX_VALUE, 0);
        if (!certs.isEmpty() && defaultCert >= certs.size()) {
            defaultNode.expected("an index into certificates, from 0 to " + (certs.size() - 1));
        }
        List<String> protocols = protocols(tls.get("protocols"));
        String auth = tls.get("clientAuth").choice(CLIENT_AUTH, "none", "none, optional or require",
                "none, optional or require");
        TlsSettings.ClientAuth clientAuth = auth == null ? TlsSettings.ClientAuth.NONE
                : TlsSettings.ClientAuth.valueOf(auth.toUpperCase(Locale.ROOT));
        Path clientCa = path(tls.get("clientCa"), "a PEM file of the CAs that sign client certificates");
        if (clientAuth != TlsSettings.ClientAuth.NONE && clientCa == null && !tls.isRecording()
                && !tls.get("clientCa").isPresent()) {
            tls.get("clientAuth").problem("clientAuth: " + auth + " needs clientCa (expected: clientCa: a PEM file "
                    + "of the CAs that sign client certificates)");
        }
        boolean redirect = tls.get("redirectHttp").bool(false);
        if (hp == null || certs.isEmpty() || defaultCert >= certs.size()) return null;
        return new TlsSettings(hp.host(), hp.port(), certs, defaultCert, protocols, clientAuth, clientCa, redirect);
    }

    private static TlsSettings.Certificate certificate(ConfigNode c) {
        if (!c.isMapping()) {
            c.expected("a certificate like " + CERT_EXPECTED);
            return null;
        }
        c.checkKeys(List.of("cert", "key", "hosts"), Map.of());
        Path cert = path(c.require("cert", "a PEM file: the certificate, then its chain"), "a PEM file");
        Path key = path(c.require("key", "a PEM file: the certificate's private key"), "a PEM file");
        List<String> hosts = new ArrayList<>();
        for (ConfigNode h : c.get("hosts").items("a list of server names like [api.example.com, \"*.example.com\"]",
                true)) {
            String t = h.text("a server name like api.example.com or *.example.com");
            if (t == null) continue;
            String name = t.strip().toLowerCase(Locale.ROOT);
            if (HOST.matcher(name).matches()) {
                hosts.add(name);
            } else {
                h.expected("a server name like api.example.com or *.example.com (a wildcard is one label)");
            }
        }
        return cert == null || key == null ? null : new TlsSettings.Certificate(cert, key, hosts);
    }

    private static Path path(ConfigNode n, String expected) {
        String t = n.text(expected);
        if (t == null || t.isBlank()) return null;
        try {
            return Path.of(t.strip());
        } catch (InvalidPathException e) {
            n.expected(expected);
            return null;
        }
    }

    /** {@code [TLSv1.3, TLSv1.2]}; anything older is refused here, so it can never be offered. */
    private static List<String> protocols(ConfigNode n) {
        List<String> out = new ArrayList<>();
        for (ConfigNode p : n.items("a list like [TLSv1.3, TLSv1.2]", true)) {
            String t = p.text("TLSv1.3 or TLSv1.2", PROTOCOLS);
            if (t == null) continue;
            String v = PROTOCOLS.match(t.strip());
            if (v != null) {
                if (!out.contains(v)) out.add(v);
            } else if (REFUSED.contains(t.strip())) {
                p.problem(t.strip() + " is refused: versions before TLSv1.2 are broken (expected: TLSv1.3 or TLSv1.2)");
            } else {
                p.expected("TLSv1.3 or TLSv1.2");
            }
        }
        return out.isEmpty() ? TlsSettings.DEFAULT_PROTOCOLS : out;
    }
}
