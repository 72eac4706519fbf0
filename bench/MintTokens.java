import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Mints the keys and tokens bench/auth.sh needs, with the JDK alone: an RS256 and an ES256 key
 * pair, their public JWK set, and one token each (valid for a day).
 *
 *   java bench/MintTokens.java OUTDIR ISSUER AUDIENCE SUBJECT
 * writes OUTDIR/jwks.json, OUTDIR/rs256.jwt, OUTDIR/es256.jwt
 */
public class MintTokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        String iss = args[1], aud = args[2], sub = args[3];
        KeyPairGenerator rg = KeyPairGenerator.getInstance("RSA");
        rg.initialize(2048);
        KeyPair rsa = rg.generateKeyPair();
        KeyPairGenerator eg = KeyPairGenerator.getInstance("EC");
        eg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = eg.generateKeyPair();
        RSAPublicKey rp = (RSAPublicKey) rsa.getPublic();
        ECPublicKey ep = (ECPublicKey) ec.getPublic();
        String jwks = "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"rs\", \"alg\": \"RS256\", \"n\": \"" + b64(unsigned(rp.getModulus()))
                + "\", \"e\": \"" + b64(unsigned(rp.getPublicExponent())) + "\"}, {\"kty\": \"EC\", \"kid\": \"es\", \"alg\": \"ES256\", "
                + "\"crv\": \"P-256\", \"x\": \"" + b64(fixed(ep.getW().getAffineX(), 32)) + "\", \"y\": \""
                + b64(fixed(ep.getW().getAffineY(), 32)) + "\"}]}";
        long exp = System.currentTimeMillis() / 1000 + 86_400;
        String claims = "{\"iss\":\"" + iss + "\",\"sub\":\"" + sub + "\",\"aud\":\"" + aud + "\",\"exp\":" + exp
                + ",\"scope\":\"bench\"}";
        Files.writeString(out.resolve("jwks.json"), jwks);
        Files.writeString(out.resolve("rs256.jwt"), sign("RS256", "rs", "SHA256withRSA", rsa.getPrivate(), claims, false));
        Files.writeString(out.resolve("es256.jwt"), sign("ES256", "es", "SHA256withECDSA", ec.getPrivate(), claims, true));
    }

    private static String sign(String alg, String kid, String jca, PrivateKey key, String claims, boolean ecdsa)
            throws Exception {
        String input = b64(("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8))
                + "." + b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance(jca);
        s.initSign(key);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        byte[] sig = s.sign();
        return input + "." + b64(ecdsa ? derToJose(sig) : sig);
    }

    /** ECDSA from the JDK is an ASN.1 DER SEQUENCE of r and s; JOSE wants r || s, 32 bytes each. */
    private static byte[] derToJose(byte[] der) {
        int i = 2;
        if ((der[1] & 0x80) != 0) i += der[1] & 0x7F;
        int rLen = der[i + 1];
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(der, i + 2, i + 2 + rLen));
        i += 2 + rLen;
        int sLen = der[i + 1];
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(der, i + 2, i + 2 + sLen));
        byte[] out = new byte[64];
        System.arraycopy(fixed(r, 32), 0, out, 0, 32);
        System.arraycopy(fixed(s, 32), 0, out, 32, 32);
        return out;
    }

    private static String b64(byte[] b) {
        return B64.encodeToString(b);
    }

    private static byte[] unsigned(BigInteger n) {
        byte[] b = n.toByteArray();
        return b[0] == 0 && b.length > 1 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static byte[] fixed(BigInteger n, int len) {
        byte[] u = unsigned(n);
        byte[] out = new byte[len];
        System.arraycopy(u, 0, out, len - u.length, u.length);
        return out;
    }
}
