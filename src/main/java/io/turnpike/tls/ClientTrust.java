package io.turnpike.tls;

import io.turnpike.core.ClientCertificate;
import io.turnpike.config.TlsSettings;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The CAs client certificates are verified against ({@code clientCa}). With {@code require} the
 * handshake itself refuses a certificate they did not sign. With {@code optional} the handshake
 * takes any certificate (so the client gets a 401 it can read, not a broken connection) and
 * {@link #verified} decides after it whether the certificate counts.
 */
final class ClientTrust {
    private final TlsSettings.ClientAuth mode;
    private final X509TrustManager verifier;

    private ClientTrust(TlsSettings.ClientAuth mode, X509TrustManager verifier) {
        this.mode = mode;
        this.verifier = verifier;
    }

    static ClientTrust of(TlsSettings.ClientAuth mode, byte[] caPem) throws CertificatePair.Invalid {
        List<X509Certificate> cas = CertificatePair.certificates(caPem);
        if (cas.isEmpty()) throw new CertificatePair.Invalid("the clientCa file holds no PEM certificate");
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) store.setCertificateEntry("ca-" + i, cas.get(i));
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) return new ClientTrust(mode, x);
            }
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new CertificatePair.Invalid("the clientCa certificates cannot be trusted: " + e.getMessage());
        }
        throw new CertificatePair.Invalid("no X.509 trust manager in this JDK");
    }

    TlsSettings.ClientAuth mode() {
        return mode;
    }

    /** What the handshake checks with: the CAs themselves, or (optional) a checker that lets any certificate in. */
    TrustManager forHandshake() {
        return mode == TlsSettings.ClientAuth.REQUIRE ? verifier : new Lenient(verifier);
    }

    /** The client's certificate if the CAs signed it (already checked when {@code require}), else null. */
    ClientCertificate verified(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) return null;
        if (mode != TlsSettings.ClientAuth.REQUIRE) {
            try {
                verifier.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
            } catch (CertificateException | RuntimeException e) {
                return null;
            }
        }
        return ClientCertificate.of(chain[0]);
    }

    /** Takes every client certificate and names the real CAs in the CertificateRequest. */
    private static final class Lenient extends X509ExtendedTrustManager {
        private final X509TrustManager real;

        Lenient(X509TrustManager real) {
            this.real = real;
        }

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server listener checks no server certificates");
        }

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override public X509Certificate[] getAcceptedIssuers() {
            return real.getAcceptedIssuers();
        }
    }
}
