package io.turnpike.upstream;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;

/**
 * A TLS handshake with a node that did not succeed: counted like a failed connect, and told to the
 * client as {@code TLS handshake with https://host:port failed: <why>}.
 */
public final class TlsHandshakeFailure extends IOException {
    private final boolean timedOut;

    private TlsHandshakeFailure(String message, Throwable cause, boolean timedOut) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    /** @param name the name the certificate was checked against */
    public static TlsHandshakeFailure of(Node node, String name, Throwable cause) {
        boolean timedOut = find(cause, SslHandshakeTimeoutException.class) != null;
        return new TlsHandshakeFailure("TLS handshake with " + node.url() + " failed: " + why(cause, name), cause,
                timedOut);
    }

    /**
     * What a connection that broke over a TLS alert says (e.g. the node refused the client
     * certificate once the handshake looked done), or null when it broke for another reason.
     */
    public static String describe(Node node, Throwable cause) {
        javax.net.ssl.SSLException ssl = find(cause, javax.net.ssl.SSLException.class);
        if (ssl == null || node.tls() == null) return null;
        return of(node, node.tls().nameFor(node), ssl).getMessage();
    }

    /** True when the node did not finish the handshake within the connect timeout. */
    public boolean timedOut() {
        return timedOut;
    }

    private static String why(Throwable cause, String name) {
        if (find(cause, SslHandshakeTimeoutException.class) != null) return "timed out";
        if (find(cause, CertPathBuilderException.class) != null || find(cause, CertPathValidatorException.class) != null) {
            return "certificate not trusted";
        }
        CertificateException c = find(cause, CertificateException.class);
        if (c != null && c.getMessage() != null
                && (c.getMessage().startsWith("No name matching") || c.getMessage().startsWith("No subject alternative"))) {
            return "certificate does not match " + name;
        }
        String alert = alert(cause);
        if (alert != null) return alert;
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = root.getMessage() != null ? root.getMessage() : cause.getMessage();
        return m != null ? m : cause.getClass().getSimpleName();
    }

    /** The node's alerts about the gateway's own certificate, in words (OpenSSL and the JDK spell them apart). */
    private static String alert(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (!m.contains("alert")) continue;
            if (m.contains("certificate_required")) return "the node requires a client certificate";
            if (m.contains("bad_certificate") || m.contains("unknown_ca") || m.contains("certificate_unknown")) {
                return "the node refused the client certificate";
            }
        }
        return null;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }
}
