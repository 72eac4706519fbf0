package io.turnpike.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS listener ({@code server.tls:}): its address, the certificates it chooses from by SNI, the
 * protocol versions it speaks and whether it asks clients for certificates.
 *
 * @param certificates       at least one; chosen by the client's server name
 * @param defaultCertificate index into {@code certificates} for clients without SNI or with an unknown name
 * @param protocols          TLS versions offered, e.g. {@code [TLSv1.3, TLSv1.2]}
 * @param clientCa           CAs whose client certificates are verified; null when {@code clientAuth} is none
 * @param redirectHttp       the plaintext listener answers every request 308 to https
 * @param h2                 ALPN offers {@code h2} before {@code http/1.1} ({@code server.http2})
 */
public record TlsSettings(String host, int port, List<Certificate> certificates, int defaultCertificate,
                          List<String> protocols, ClientAuth clientAuth, Path clientCa, boolean redirectHttp,
                          boolean h2) {
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Whether, and how firmly, the listener asks for a client certificate. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    /**
     * A certificate chain (PEM, leaf first) and its private key (PEM).
     *
     * @param hosts the server names it answers for; empty = the names of its SANs
     */
    public record Certificate(Path cert, Path key, List<String> hosts) {
        public Certificate {
            hosts = hosts == null ? List.of() : List.copyOf(hosts);
        }

        Certificate resolve(Path folder) {
            return new Certificate(folder.resolve(cert), folder.resolve(key), hosts);
        }
    }

    public TlsSettings {
        certificates = List.copyOf(certificates);
        protocols = protocols == null || protocols.isEmpty() ? DEFAULT_PROTOCOLS : List.copyOf(protocols);
        if (clientAuth == null) clientAuth = ClientAuth.NONE;
    }

    public TlsSettings(String host, int port, List<Certificate> certificates, int defaultCertificate,
                       List<String> protocols, ClientAuth clientAuth, Path clientCa, boolean redirectHttp) {
        this(host, port, certificates, defaultCertificate, protocols, clientAuth, clientCa, redirectHttp, true);
    }

    /** The same settings, offering h2 in ALPN or not. */
    TlsSettings withH2(boolean on) {
        return new TlsSettings(host, port, certificates, defaultCertificate, protocols, clientAuth, clientCa,
                redirectHttp, on);
    }

    /** The same settings with relative file paths resolved against {@code folder} (the config file's). */
    TlsSettings resolvedAgainst(Path folder) {
        List<Certificate> certs = new ArrayList<>(certificates.size());
        for (Certificate c : certificates) certs.add(c.resolve(folder));
        return new TlsSettings(host, port, certs, defaultCertificate, protocols, clientAuth,
                clientCa == null ? null : folder.resolve(clientCa), redirectHttp, h2);
    }
}
