package io.turnpike.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.turnpike.config.JwtIssuerSpec;
import java.text.ParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies bearer JWTs against the issuers of the config (nimbus-jose-jwt): the signature with the
 * issuer's keys, only with the algorithms the issuer allows (never {@code none}; the key selector
 * matches key type to algorithm family, so an HMAC token cannot be checked against an RSA public
 * key), the audience, expiry with the clock skew, and the required claims.
 */
public final class JwtVerifier {
    /** A verified token: who the claims say it is, and the claims. */
    public record Verified(JwtIssuerSpec issuer, String subject, JWTClaimsSet claims) {}

    private record Issuer(JwtIssuerSpec spec, DefaultJWTProcessor<SecurityContext> processor) {}

    private final Map<String, Issuer> byIssuer = new HashMap<>();

    public JwtVerifier(List<JwtIssuerSpec> issuers) {
        for (JwtIssuerSpec spec : issuers) {
            try {
                Set<JWSAlgorithm> algs = new HashSet<>();
                spec.algorithms().forEach(a -> algs.add(JWSAlgorithm.parse(a)));
                DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
                JWKSource<SecurityContext> source = spec.jwksUrl() != null
                        ? JwksFetcher.of(spec.jwksUrl(), spec.jwksRefresh())
                        : new ImmutableJWKSet<>(JWKSet.parse(spec.jwks()));
                p.setJWSKeySelector(new JWSVerificationKeySelector<>(algs, source));
                Set<String> required = new HashSet<>(spec.requiredClaims());
                required.add("exp");
                DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                        spec.audiences().isEmpty() ? null : new HashSet<>(spec.audiences()),
                        new JWTClaimsSet.Builder().issuer(spec.issuer()).build(), required, null);
                claims.setMaxClockSkew((int) spec.clockSkew().toSeconds());
                p.setJWTClaimsSetVerifier(claims);
                byIssuer.put(spec.issuer(), new Issuer(spec, p));
            } catch (ParseException e) {
                throw new IllegalArgumentException("issuer " + spec.issuer() + ": keys did not parse", e);
            }
        }
    }

    public boolean enabled() {
        return !byIssuer.isEmpty();
    }

    /** The verified token, or null when it is malformed, from an unknown issuer, or fails a check. */
    public Verified verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token); // an unsigned ("none") token does not parse as signed
            String iss = jwt.getJWTClaimsSet().getIssuer();
            Issuer issuer = iss == null ? null : byIssuer.get(iss);
            if (issuer == null) return null;
            JWTClaimsSet claims = issuer.processor().process(jwt, null);
            Object who = claims.getClaim(issuer.spec().consumerClaim());
            return who == null ? null : new Verified(issuer.spec(), who.toString(), claims);
        } catch (ParseException | BadJOSEException | JOSEException | RuntimeException e) {
            return null;
        }
    }
}
