package io.turnpike.config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds {@code auth.jwt: [ { issuer, keys | secret, algorithms, audiences, clockSkew, requiredClaims,
 * consumerClaim, claimsToHeaders, jwks, jwksRefresh, allowInsecure } ]}. Keys are inline (a JWK set or
 * an HMAC secret) or fetched from {@code jwks: URL} every {@code jwksRefresh}: https:// unless
 * {@code allowInsecure: true}.
 */
final class JwtSection {
    private static final List<String> ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512");
    private static final Leaf.Words ALGORITHM_WORDS = new Leaf.Words(ALGORITHMS, false);

    /** An RFC 9110 field name. */
    private static final java.util.regex.Pattern TOKEN = java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers that carry credentials, frame the request or route it, and those the gateway writes. */
    private static final java.util.Set<String> RESERVED = java.util.Set.of("authorization", "proxy-authorization",
            "cookie", "host", "content-length", "content-type", "content-encoding", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "te", "trailer", "expect", "forwarded", "via", "x-request-id", "traceparent",
            "tracestate");

    private JwtSection() {}

    /**
     * @param apiKeyHeader the header API keys come in: no claim may be written to it, since every
     *                     request loses the headers claims are written to before anything reads it
     */
    static List<JwtIssuerSpec> bind(ConfigNode list, String apiKeyHeader) {
        List<JwtIssuerSpec> out = new ArrayList<>();
        Map<String, ConfigNode> seen = new HashMap<>();
        for (ConfigNode n : list.items("a list of issuers like [{issuer: https://id.example.com, keys: {...}}]", false)) {
            n.checkKeys(List.of("issuer", "keys", "secret", "algorithms", "audiences", "clockSkew", "requiredClaims",
                    "consumerClaim", "claimsToHeaders", "jwks", "jwksRefresh", "allowInsecure"), Map.of());
            ConfigNode issuerNode = n.require("issuer", "the issuer's iss value, like https://id.example.com");
            String issuer = issuerNode.text("the issuer's iss value");
            if (issuer != null) {
                issuer = issuer.strip();
                ConfigNode earlier = seen.putIfAbsent(issuer, issuerNode);
                if (earlier != null) {
                    issuerNode.problem("issuer " + ConfigNode.quote(issuer) + " is already configured at line "
                            + earlier.line() + " (expected: one entry per issuer)");
                }
            }
            String jwksUrl = null;
            String jwks = null;
            if (n.get("jwks").isPresent()) {
                jwksUrl = SecureUrls.read(n.get("jwks"), n.get("allowInsecure"), "jwks",
                        "an https:// URL of the issuer's JWK set");
            } else {
                jwks = keys(n);
            }
            Duration jwksRefresh = n.get("jwksRefresh").duration(Duration.ofMinutes(5), false);
            List<String> algorithms = new ArrayList<>();
            for (ConfigNode a : n.get("algorithms").items("a list like [RS256, ES256]", true)) {
                String alg = a.choice(ALGORITHM_WORDS, null, "an algorithm",
                        "one of " + String.join(", ", ALGORITHMS) + " (never none)");
                if (alg != null) algorithms.add(alg);
            }
            if (algorithms.isEmpty() && !n.get("algorithms").isPresent()) algorithms.add("RS256");
            List<String> audiences = strings(n.get("audiences"));
            if (audiences.isEmpty() && issuer != null) {
                // Valid, but a token this issuer made for any other service of theirs gets in too.
                n.warning("issuer " + ConfigNode.quote(issuer) + " has no audiences: its tokens for any audience are "
                        + "accepted (expected: audiences: [the aud value it puts in tokens for this gateway])");
            }
            Duration skew = n.get("clockSkew").duration(Duration.ofSeconds(30), true);
            List<String> required = strings(n.get("requiredClaims"));
            String consumerClaim = n.get("consumerClaim").text("a claim name like sub");
            Map<String, String> toHeaders = new LinkedHashMap<>();
            ConfigNode th = n.get("claimsToHeaders");
            for (String claim : th.entries().keySet()) {
                String h = th.get(claim).text("a header name like X-User-Email");
                if (h != null && !h.isBlank() && claimHeader(th.get(claim), h.strip(), apiKeyHeader)) {
                    toHeaders.put(claim, h.strip());
                }
            }
            if (issuer != null && (jwks != null || jwksUrl != null)) {
                out.add(new JwtIssuerSpec(issuer, jwks, algorithms, audiences, skew, required,
                        consumerClaim == null ? "sub" : consumerClaim.strip(), toHeaders, jwksUrl, jwksRefresh));
            }
        }
        return out;
    }

    /**
     * Whether a claim may be written to header {@code name}. Every request loses the headers claims
     * are written to, so none of them may be one the gateway reads or frames the request with.
     */
    private static boolean claimHeader(ConfigNode at, String name, String apiKeyHeader) {
        if (!TOKEN.matcher(name).matches()) {
            at.expected("a header name like X-User-Email");
            return false;
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (RESERVED.contains(lower) || lower.startsWith("x-consumer-") || lower.startsWith("x-forwarded-")
                || lower.equals(apiKeyHeader.toLowerCase(java.util.Locale.ROOT))) {
            at.problem(at.describe() + " is a header the gateway reads or sets itself (expected: a header of "
                    + "your own, like X-User-Email)");
            return false;
        }
        return true;
    }

    /** The issuer's keys as JWK set JSON: {@code keys:} (a JWK set) or {@code secret:} (HMAC). */
    private static String keys(ConfigNode n) {
        ConfigNode keys = n.get("keys");
        ConfigNode secret = n.get("secret");
        if (keys.isPresent()) {
            try {
                String json = NodeJson.of(keys.node()).toString();
                JWKSet set = JWKSet.parse(json);
                if (set.getKeys().isEmpty()) throw new ParseException("no keys", 0);
                return json;
            } catch (ParseException | RuntimeException e) {
                keys.expected("a JWK set like {keys: [{kty: RSA, n: ..., e: AQAB, kid: k1}]}");
                return null;
            }
        }
        String s = secret.secret("an HMAC secret of at least 32 bytes, like ${JWT_SECRET}");
        if (s != null) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < 32) {
                secret.problem("the secret (not shown) is shorter than 32 bytes (expected: at least 256 bits for HS256)");
                return null;
            }
            return new JWKSet(new OctetSequenceKey.Builder(bytes).algorithm(JWSAlgorithm.HS256).build())
                    .toString(false);
        }
        n.problem("no keys (expected: jwks: https://..., keys: {keys: [...]} or secret: ${JWT_SECRET})");
        return null;
    }

    private static List<String> strings(ConfigNode list) {
        List<String> out = new ArrayList<>();
        for (ConfigNode item : list.items("a list of names", true)) {
            String t = item.text("a name");
            if (t != null && !t.isBlank()) out.add(t.strip());
        }
        return out;
    }
}
