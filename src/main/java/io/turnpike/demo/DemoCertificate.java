package io.turnpike.demo;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The demo's HTTPS certificate, made when the demo starts: a throwaway CA (its key is never
 * written) and a certificate for {@code localhost} and {@code 127.0.0.1} it signs, as PEM files a
 * client can be pointed at ({@code curl --cacert}). Valid for a week.
 */
public record DemoCertificate(Path caFile, Path certFile, Path keyFile) {
    private static final Duration VALID = Duration.ofDays(7);

    /** Writes {@code demo-ca.pem}, {@code demo-tls.pem} and {@code demo-tls.key} into {@code dir}. */
    public static DemoCertificate create(Path dir) throws IOException {
        try {
            KeyPair caKeys = ecKeys();
            X500Name caName = new X500Name("CN=Turnpike demo CA");
            X509Certificate ca = sign(caName, caName, caKeys.getPublic(), caKeys.getPrivate(), true);
            KeyPair keys = ecKeys();
            X509Certificate leaf = sign(new X500Name("CN=localhost"), caName, keys.getPublic(), caKeys.getPrivate(), false);
            DemoCertificate files = new DemoCertificate(dir.resolve("demo-ca.pem"), dir.resolve("demo-tls.pem"),
                    dir.resolve("demo-tls.key"));
            Files.writeString(files.caFile, pem(ca));
            Files.writeString(files.certFile, pem(leaf));
            Files.writeString(files.keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null)));
            return files;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the demo certificate: " + e.getMessage(), e);
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, X500Name issuer, java.security.PublicKey key,
                                        PrivateKey signer, boolean ca)
            throws CertIOException, OperatorCreationException, GeneralSecurityException {
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALID)), subject, key);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }
}
