package io.turnpike.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time: a CA, server certificates with SANs (RSA or ECDSA), client
 * certificates, written as PEM; and JDK SSL contexts to connect with them. Serials count up, so a
 * test can tell one certificate from its replacement.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate with its key, and the CA that signed it (null when self-signed). */
    public record Issued(X509Certificate cert, PrivateKey key, Issued issuer) {
        public BigInteger serial() {
            return cert.getSerialNumber();
        }

        /** Writes the chain (the leaf, then its issuer when that is an intermediate) and the key, as PEM. */
        public void write(Path certFile, Path keyFile) throws IOException {
            StringBuilder chain = new StringBuilder(pem(cert));
            if (issuer != null && issuer.issuer != null) chain.append(pem(issuer.cert));
            Files.writeString(certFile, chain);
            Files.writeString(keyFile, pkcs8(key));
        }

        public void writeCert(Path certFile) throws IOException {
            Files.writeString(certFile, pem(cert));
        }
    }

    private TestPki() {}

    public static Issued ca(String cn) {
        KeyPair kp = keys(false);
        return new Issued(sign(new X500Name("CN=" + cn), kp, null, Duration.ofDays(30), true, null, null), kp.getPrivate(),
                null);
    }

    /** A CA signed by {@code root}: certificates it signs are served with it as their chain. */
    public static Issued intermediate(Issued root, String cn) {
        KeyPair kp = keys(false);
        return new Issued(sign(new X500Name("CN=" + cn), kp, root, Duration.ofDays(30), true, null, null),
                kp.getPrivate(), root);
    }

    /** A server certificate for {@code names} (DNS SANs), ECDSA when {@code ec}. */
    public static Issued server(Issued ca, String cn, boolean ec, String... names) {
        return server(ca, cn, ec, Duration.ofDays(30), names);
    }

    public static Issued server(Issued ca, String cn, boolean ec, Duration valid, String... names) {
        KeyPair kp = keys(ec);
        return new Issued(sign(new X500Name("CN=" + cn), kp, ca, valid, false, names, KeyPurposeId.id_kp_serverAuth),
                kp.getPrivate(), ca);
    }

    /** A client certificate with this subject (RFC 2253, like {@code CN=partner-a,O=Acme}). */
    public static Issued client(Issued ca, String subject) {
        KeyPair kp = keys(true);
        // through X500Principal: its RFC 2253 text reads in reverse of the encoding, as certificates print
        X500Name name = X500Name.getInstance(new javax.security.auth.x500.X500Principal(subject).getEncoded());
        return new Issued(sign(name, kp, ca, Duration.ofDays(30), false, null,
                KeyPurposeId.id_kp_clientAuth), kp.getPrivate(), ca);
    }

    /** A TLS client trusting {@code ca}, presenting {@code identity} when not null. */
    public static SSLContext clientContext(Issued ca, Issued identity) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (identity != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", identity.key, new char[0], new X509Certificate[] {identity.cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    /**
     * A finished TLS handshake to 127.0.0.1:{@code port}, sending {@code serverName} as SNI (none
     * when null), offering only {@code protocols} when given.
     */
    public static javax.net.ssl.SSLSocket connect(SSLContext ctx, int port, String serverName, String... protocols)
            throws IOException {
        var s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        javax.net.ssl.SSLParameters p = s.getSSLParameters();
        p.setServerNames(serverName == null ? java.util.List.of()
                : java.util.List.of(new javax.net.ssl.SNIHostName(serverName)));
        p.setEndpointIdentificationAlgorithm(null); // the tests check the served certificate themselves
        if (protocols.length > 0) p.setProtocols(protocols);
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** The leaf certificate the server presented on {@code s}. */
    public static X509Certificate served(javax.net.ssl.SSLSocket s) throws IOException {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    /** The key as PKCS#8 ({@code BEGIN PRIVATE KEY}), what {@code openssl genpkey} writes. */
    public static String pkcs8(PrivateKey key) {
        try {
            return pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    private static KeyPair keys(boolean ec) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
            g.initialize(ec ? 256 : 2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X500Name subject, KeyPair kp, Issued ca, Duration valid, boolean isCa,
                                        String[] names, KeyPurposeId purpose) {
        try {
            Instant now = Instant.now();
            X500Name issuer = ca == null ? subject : X500Name.getInstance(ca.cert.getSubjectX500Principal().getEncoded());
            var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(valid)), subject, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (isCa) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            if (names != null && names.length > 0) {
                GeneralName[] gn = new GeneralName[names.length];
                for (int i = 0; i < names.length; i++) gn[i] = new GeneralName(GeneralName.dNSName, names[i]);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(gn));
            }
            PrivateKey signer = ca == null ? kp.getPrivate() : ca.key;
            String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
