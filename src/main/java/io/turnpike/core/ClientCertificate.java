package io.turnpike.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import javax.security.auth.x500.X500Principal;

/**
 * A client certificate the TLS listener verified against {@code server.tls.clientCa}: what an
 * {@code mtls} credential is matched on, and the RFC 9440 {@code Client-Cert} value the service
 * receives. Made once per connection, after the handshake.
 *
 * @param subject    the subject in RFC 2253 form, e.g. {@code CN=partner-a,O=Acme}
 * @param sha256     the SHA-256 of the DER encoding, lower-case hex
 * @param headerValue {@code :<base64 DER>:}, an RFC 8941 byte sequence (RFC 9440 2.2)
 */
public record ClientCertificate(String subject, String sha256, String headerValue) {

    public static ClientCertificate of(X509Certificate cert) {
        try {
            byte[] der = cert.getEncoded();
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
            return new ClientCertificate(cert.getSubjectX500Principal().getName(X500Principal.RFC2253), hex,
                    ":" + Base64.getEncoder().encodeToString(der) + ":");
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("a certificate from a finished handshake encodes", e);
        }
    }
}
