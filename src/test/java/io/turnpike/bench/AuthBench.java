package io.turnpike.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.turnpike.auth.AuthPolicy;
import io.turnpike.core.Consumer;
import io.turnpike.auth.Consumers;
import io.turnpike.auth.JwtVerifier;
import io.turnpike.config.AuthSettings;
import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.JwtIssuerSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Verdict;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The authentication step alone, per request, with 10,000 consumers: an API key, and a JWT
 * (RS256, ES256) answered from the verification cache, and the same JWT checked in full. Compared
 * with the gateway's whole per-request cost on one core (~18 µs at ~55k req/s, docs/BENCHMARKS.md),
 * this is what auth adds to the request path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AuthBench {
    private static final String ISSUER = "https://bench.example";
    private static final int CONSUMERS = 10_000;

    private AuthPolicy apiKey;
    private AuthPolicy jwt;
    private JwtVerifier verifier;
    private String key;
    private String rs256;
    private String es256;
    private JwtVerifier uncached;
    private List<JwtIssuerSpec> issuers;

    @Setup
    public void setUp() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rs").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("es").generate();
        issuers = List.of(new JwtIssuerSpec(ISSUER, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString(),
                List.of("RS256", "ES256"), List.of("turnpike"), Duration.ofSeconds(30), List.of(), "sub", Map.of(), null,
                Duration.ofMinutes(5)));
        List<ConsumerSpec> specs = new ArrayList<>();
        for (int i = 0; i < CONSUMERS; i++) {
            specs.add(new ConsumerSpec("c" + i, List.of("g"), null, List.of(sha256("key-" + i + "-0123456789abcdef")),
                    List.of(ISSUER + "\nc" + i)));
        }
        Consumers consumers = new Consumers(specs);
        verifier = new JwtVerifier(issuers);
        AuthSettings settings = new AuthSettings("X-API-Key", null, issuers);
        apiKey = new AuthPolicy(List.of("apiKey"), false, settings, consumers, verifier);
        jwt = new AuthPolicy(List.of("jwt"), false, settings, consumers, verifier);
        key = "key-4711-0123456789abcdef";
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject("c4711").audience("turnpike")
                .expirationTime(new Date(System.currentTimeMillis() + 3_600_000)).claim("scope", "orders:read").build();
        SignedJWT r = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rs").build(), claims);
        r.sign(new RSASSASigner(rsa));
        rs256 = r.serialize();
        SignedJWT e = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("es").build(), claims);
        e.sign(new ECDSASigner(ec));
        es256 = e.serialize();
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** What every request has anyway (its headers): subtract it from the others. */
    @Benchmark
    public Object baseline() {
        return new Call("X-API-Key", key);
    }

    @Benchmark
    public Verdict apiKey() {
        return apiKey.check(new Call("X-API-Key", key));
    }

    @Benchmark
    public Verdict jwtRs256Cached() {
        return jwt.check(new Call("Authorization", "Bearer " + rs256));
    }

    @Benchmark
    public Verdict jwtEs256Cached() {
        return jwt.check(new Call("Authorization", "Bearer " + es256));
    }

    /** The full check a token's first request pays (a fresh verifier has an empty cache). */
    @Benchmark
    public Object jwtRs256Uncached() {
        return new JwtVerifier(issuers).check(rs256, false);
    }

    /** The request as the policy sees it: fresh headers each time, as each request has its own. */
    static final class Call implements PolicyCall {
        private final java.util.Map<io.turnpike.core.AttrKey<?>, Object> attrs = new java.util.IdentityHashMap<>();
        @SuppressWarnings("unchecked")
        @Override public <T> T attr(io.turnpike.core.AttrKey<T> key) { return (T) attrs.get(key); }
        @Override public <T> void attr(io.turnpike.core.AttrKey<T> key, T value) { attrs.put(key, value); }
        private final HttpHeaders headers = new DefaultHttpHeaders(false);
        private HttpHeaders response;
        private String query;
        Consumer consumer;

        Call(String name, String value) {
            headers.add("Host", "api.example.com").add("Accept", "*/*").add(name, value);
        }

        @Override public HttpHeaders headers() { return headers; }
        @Override public String method() { return "GET"; }
        @Override public String path() { return "/orders/1"; }
        @Override public String query() { return query; }
        @Override public void query(String q) { query = q; }
        @Override public byte[] clientAddress() { return new byte[] {127, 0, 0, 1}; }
        @Override public String clientIp() { return "127.0.0.1"; }
        @Override public RouteSpec route() { return null; }
        @Override public long contentLength() { return 0; }
        @Override public void maxBodyBytes(long max) { }
        @Override public Consumer consumer() { return consumer; }
        @Override public void authenticated(Consumer c, Map<String, Object> claims) { consumer = c; }
        @Override public Map<String, Object> claims() { return Map.of(); }
        @Override public void authDecision(String decision) { }
        @Override public HttpHeaders responseHeaders() {
            if (response == null) response = new DefaultHttpHeaders(false);
            return response;
        }
        @Override public EventExecutor executor() { return ImmediateEventExecutor.INSTANCE; }
        @Override public long startNanos() { return 0; }
    }
}
