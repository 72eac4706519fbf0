package io.turnpike.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * One certificate chain and its private key, read from PEM bytes and checked: the key signs what
 * the certificate's public key verifies, and the certificate is valid now. Immutable.
 *
 * @param chain the leaf first, then its intermediates, as the file lists them
 * @param names the server names it is chosen for: {@code hosts:} if given, else its DNS SANs (else its CN)
 */
public record CertificatePair(List<X509Certificate> chain, PrivateKey key, List<String> names) {

    /** A pair that cannot be served; the message says why, for the log. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * @param hosts {@code hosts:} of the config; empty = take the names from the certificate
     * @param now   the validity check's clock
     */
    static CertificatePair read(byte[] certPem, byte[] keyPem, List<String> hosts, Instant now) throws Invalid {
        List<X509Certificate> chain = certificates(certPem);
        if (chain.isEmpty()) throw new Invalid("the certificate file holds no PEM certificate");
        PrivateKey key = privateKey(keyPem);
        X509Certificate leaf = chain.get(0);
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new Invalid("the certificate expired at " + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new Invalid("the certificate is not valid before " + leaf.getNotBefore().toInstant());
        }
        if (!matches(key, leaf)) throw new Invalid("the private key does not belong to the certificate");
        return new CertificatePair(List.copyOf(chain), key, hosts.isEmpty() ? namesOf(leaf) : List.copyOf(hosts));
    }

    static List<X509Certificate> certificates(byte[] pem) throws Invalid {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new Invalid("the certificate file is not PEM certificates: " + e.getMessage());
        }
    }

    /** PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys, unencrypted. */
    private static PrivateKey privateKey(byte[] pem) throws Invalid {
        try (PEMParser parser = new PEMParser(new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII))) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
                if (o instanceof PEMKeyPair pair) return converter.getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 may lack the public half
            }
        } catch (IOException | RuntimeException e) {
            throw new Invalid("the key file is not a PEM private key: " + e.getMessage());
        }
        throw new Invalid("the key file holds no unencrypted PEM private key");
    }

    /** Signs a few bytes with the key and verifies them with the certificate: true when they are a pair. */
    private static boolean matches(PrivateKey key, X509Certificate cert) throws Invalid {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new Invalid("a " + key.getAlgorithm() + " key is not supported (expected: RSA or EC)");
        };
        try {
            byte[] probe = "turnpike key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key against an RSA certificate
        }
    }

    /** DNS names of the subject alternative names, lower-case; the CN when there are none. */
    static List<String> namesOf(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) out.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                }
            }
        } catch (java.security.cert.CertificateParsingException ignored) {
            // no usable SANs: fall back to the CN below
        }
        if (out.isEmpty()) {
            String cn = commonName(cert);
            if (cn != null) out.add(cn.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
    }

    private static String commonName(X509Certificate cert) {
        for (String rdn : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
            if (rdn.startsWith("CN=")) return rdn.substring(3);
        }
        return null;
    }

    public String subject() {
        return leaf().getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** SHA-256 of the leaf's DER, lower-case hex: the form an {@code mtls: {sha256: ...}} credential takes. */
    public String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded());
            return HexFormat.of().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
