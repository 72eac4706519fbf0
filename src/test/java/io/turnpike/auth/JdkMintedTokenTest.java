package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tokens minted by a second implementation — the JDK's own Signature API, JSON and base64url
 * written by hand, the JWKs too — so the gateway's verification (nimbus) is not only checked
 * against tokens nimbus made. Also the route's {@code acl.scopes} against {@code scope}/{@code scp}.
 */
@ExtendWith(NoLeaks.class)
class JdkMintedTokenTest {
    private static final String ISSUER = "https://jdk.example";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    static KeyPair rsa;
    static KeyPair ec;
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rg = KeyPairGenerator.getInstance("RSA");
        rg.initialize(2048);
        rsa = rg.generateKeyPair();
        KeyPairGenerator eg = KeyPairGenerator.getInstance("EC");
        eg.initialize(new ECGenParameterSpec("secp256r1"));
        ec = eg.generateKeyPair();
        RSAPublicKey rp = (RSAPublicKey) rsa.getPublic();
        ECPublicKey ep = (ECPublicKey) ec.getPublic();
        String jwks = "{\"keys\": [" + "{\"kty\": \"RSA\", \"kid\": \"r1\", \"n\": \"" + b64(unsigned(rp.getModulus()))
                + "\", \"e\": \"" + b64(unsigned(rp.getPublicExponent())) + "\"}, {\"kty\": \"EC\", \"kid\": \"e1\", "
                + "\"crv\": \"P-256\", \"x\": \"" + b64(fixed(ep.getW().getAffineX(), 32)) + "\", \"y\": \""
                + b64(fixed(ep.getW().getAffineY(), 32)) + "\"}]}";
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("jdk.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                auth:
                  jwt:
                    - { issuer: "%s", keys: %s, algorithms: [RS256, ES256], audiences: [turnpike], clockSkew: 0s }
                consumers:
                  - { id: app, credentials: [ { jwt: { issuer: "%s", subject: app } } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: any, match: { path: "/any/**" }, rewrite: { stripPrefix: /any }, service: svc, auth: [jwt] }
                  - { id: orders, match: { path: "/orders/**" }, rewrite: { stripPrefix: /orders }, service: svc, auth: [jwt], acl: { scopes: [orders:read] } }
                """.formatted(ISSUER, jwks, ISSUER, backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static String b64(byte[] b) {
        return B64.encodeToString(b);
    }

    /** A big-endian magnitude without the sign byte BigInteger adds. */
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

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static String claims(String extra) {
        return "{\"iss\": \"" + ISSUER + "\", \"sub\": \"app\", \"aud\": \"turnpike\", \"exp\": " + (now() + 120)
                + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    static String rs256(String claims) throws Exception {
        String input = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"r1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(rsa.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    static String es256(String claims) throws Exception {
        String input = b64("{\"alg\":\"ES256\",\"kid\":\"e1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(ec.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(derToJose(s.sign(), 32));
    }

    /** JOSE wants ECDSA signatures as R || S, each fixed-length; the JDK gives an ASN.1 DER SEQUENCE. */
    static byte[] derToJose(byte[] der, int half) {
        int i = 2;
        if ((der[1] & 0x80) != 0) i += der[1] & 0x7F; // long-form length of the SEQUENCE
        int rLen = der[i + 1];
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(der, i + 2, i + 2 + rLen));
        i += 2 + rLen;
        int sLen = der[i + 1];
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(der, i + 2, i + 2 + sLen));
        byte[] out = new byte[2 * half];
        System.arraycopy(fixed(r, half), 0, out, 0, half);
        System.arraycopy(fixed(s, half), 0, out, half, half);
        return out;
    }

    private static RawHttp.Response get(String path, String token) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void rs256AndEs256TokensMadeByTheJdkAreAccepted() throws Exception {
        for (String token : new String[] {rs256(claims("")), es256(claims(""))}) {
            RawHttp.Response r = get("/any/echo", token);
            assertThat(r.status()).as(token).isEqualTo(200);
            assertThat(Json.parse(r.body()).at("/headers/x-consumer-id").asText()).isEqualTo("app");
        }
    }

    @Test
    void aDerEncodedEcdsaSignatureIsNotAJoseSignature() throws Exception {
        String good = es256(claims(""));
        String input = good.substring(0, good.lastIndexOf('.'));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(ec.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        assertThat(get("/any/echo", input + "." + b64(s.sign())).status()).isEqualTo(401);
    }

    @Test
    void refusesNotYetValidExpiredWrongAudienceWrongIssuerAndTamperedTokens() throws Exception {
        String good = rs256(claims(""));
        String tampered = good.substring(0, good.indexOf('.') + 1)
                + b64(claims("\"admin\": true").getBytes(StandardCharsets.UTF_8)) + good.substring(good.lastIndexOf('.'));
        String[] bad = {
                rs256(claims("\"nbf\": " + (now() + 300))),
                rs256("{\"iss\": \"" + ISSUER + "\", \"sub\": \"app\", \"aud\": \"turnpike\", \"exp\": " + (now() - 5) + "}"),
                es256("{\"iss\": \"" + ISSUER + "\", \"sub\": \"app\", \"aud\": \"elsewhere\", \"exp\": " + (now() + 60) + "}"),
                rs256("{\"iss\": \"https://evil.example\", \"sub\": \"app\", \"aud\": \"turnpike\", \"exp\": " + (now() + 60) + "}"),
                tampered,
        };
        for (String token : bad) {
            RawHttp.Response r = get("/any/echo", token);
            assertThat(r.status()).as(token).isEqualTo(401);
            assertThat(r.header("www-authenticate")).isEqualTo("Bearer realm=\"turnpike\"");
        }
    }

    @Test
    void aRouteNeedingAScopeTakesItFromScopeOrScpAndRefusesWithout() throws Exception {
        assertThat(get("/orders/echo", rs256(claims("\"scope\": \"profile orders:read\""))).status()).isEqualTo(200);
        assertThat(get("/orders/echo", es256(claims("\"scp\": [\"orders:read\", \"orders:write\"]"))).status()).isEqualTo(200);
        for (String token : new String[] {rs256(claims("\"scope\": \"orders:write orders:readonly\"")), rs256(claims(""))}) {
            RawHttp.Response r = get("/orders/echo", token);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            JsonNode p = Json.parse(r.body());
            assertThat(p.get("type").asText()).endsWith("/forbidden");
        }
    }
}
