package io.turnpike.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
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
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.turnpike.config.JwtIssuerSpec;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Verifies bearer JWTs against the issuers of the config (nimbus-jose-jwt): the signature with the
 * issuer's keys, only with the algorithms the issuer allows (never {@code none}; the key selector
 * matches key type to algorithm family, so an HMAC token cannot be checked against an RSA public
 * key), the audience, expiry with the clock skew, and the required claims.
 *
 * <p>Verified tokens are kept in a bounded cache keyed by the token, each until its {@code exp}
 * (and at most {@link #MAX_CACHE_TTL}, so a key withdrawn from a JWKS stops counting soon), so a
 * client sending the same token again costs a lookup, not a signature check. One verifier per
 * config snapshot: a reload starts with an empty cache.
 */
public final class JwtVerifier {
    static final Duration MAX_CACHE_TTL = Duration.ofMinutes(5);

    /** A verified token: who the claims say it is, and the claims. */
    public record Verified(JwtIssuerSpec issuer, String subject, JWTClaimsSet claims) {}

    /**
     * What became of a token: verified, refused (with a reason for logs and metrics), or waiting
     * for the issuer's keys to be fetched again because it names a key id not yet known.
     */
    public record Outcome(Verified verified, String failure, CompletableFuture<Void> keysPending) {
        static final Outcome MALFORMED = new Outcome(null, "malformed-token", null);
        static final Outcome UNKNOWN_ISSUER = new Outcome(null, "unknown-issuer", null);
        static final Outcome UNKNOWN_KID = new Outcome(null, "unknown-kid", null);
        static final Outcome NO_SUBJECT = new Outcome(null, "no-subject", null);

        static Outcome failed(String reason) {
            return new Outcome(null, reason, null);
        }
    }

    private record Issuer(JwtIssuerSpec spec, DefaultJWTProcessor<SecurityContext> processor, JwksFetcher fetcher) {}

    private final Map<String, Issuer> byIssuer = new HashMap<>();
    // Upkeep (eviction, expiry) runs on the calling thread in small amortised steps rather than
    // as tasks for the common pool: the gateway runs on few cores, and a hop per batch of reads
    // would take CPU from the event loops.
    private final Cache<String, Verified> verified = Caffeine.newBuilder()
            .executor(Runnable::run)
            .maximumSize(10_000)
            .expireAfter(new UntilExp())
            .build();

    public JwtVerifier(List<JwtIssuerSpec> issuers) {
        for (JwtIssuerSpec spec : issuers) {
            try {
                Set<JWSAlgorithm> algs = new HashSet<>();
                spec.algorithms().forEach(a -> algs.add(JWSAlgorithm.parse(a)));
                DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
                JwksFetcher fetcher = spec.jwksUrl() != null ? JwksFetcher.of(spec.jwksUrl(), spec.jwksRefresh()) : null;
                JWKSource<SecurityContext> source = fetcher != null ? fetcher
                        : new ImmutableJWKSet<>(JWKSet.parse(spec.jwks()));
                p.setJWSKeySelector(new JWSVerificationKeySelector<>(algs, source));
                Set<String> required = new HashSet<>(spec.requiredClaims());
                required.add("exp");
                DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                        spec.audiences().isEmpty() ? null : new HashSet<>(spec.audiences()),
                        new JWTClaimsSet.Builder().issuer(spec.issuer()).build(), required, null);
                claims.setMaxClockSkew((int) spec.clockSkew().toSeconds());
                p.setJWTClaimsSetVerifier(claims);
                byIssuer.put(spec.issuer(), new Issuer(spec, p, fetcher));
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
        return check(token, false).verified();
    }

    /**
     * Checks a token: from the cache when it was verified before, else in full.
     *
     * @param mayWait a token naming an unknown key id may wait for a JWKS refresh ({@link Outcome#keysPending});
     *                false = refuse it now (the check after the wait)
     */
    public Outcome check(String token, boolean mayWait) {
        Verified hit = verified.getIfPresent(token);
        if (hit != null) return new Outcome(hit, null, null);
        try {
            SignedJWT jwt = SignedJWT.parse(token); // an unsigned ("none") token does not parse as signed
            String iss = jwt.getJWTClaimsSet().getIssuer();
            Issuer issuer = iss == null ? null : byIssuer.get(iss);
            if (issuer == null) return Outcome.UNKNOWN_ISSUER;
            String kid = jwt.getHeader().getKeyID();
            if (issuer.fetcher() != null && kid != null && !issuer.fetcher().hasKey(kid)) {
                CompletableFuture<Void> refresh = mayWait ? issuer.fetcher().refreshForUnknownKid() : null;
                return refresh == null ? Outcome.UNKNOWN_KID : new Outcome(null, null, refresh);
            }
            JWTClaimsSet claims = issuer.processor().process(jwt, null);
            Object who = claims.getClaim(issuer.spec().consumerClaim());
            if (who == null) return Outcome.NO_SUBJECT;
            Verified v = new Verified(issuer.spec(), who.toString(), claims);
            verified.put(token, v);
            return new Outcome(v, null, null);
        } catch (BadJWTException e) {
            return Outcome.failed(reason(e.getMessage()));
        } catch (BadJOSEException | JOSEException e) {
            return Outcome.failed("bad-signature");
        } catch (ParseException | RuntimeException e) {
            return Outcome.MALFORMED;
        }
    }

    /** A bounded label for why nimbus refused the claims (for metrics; never sent to the client). */
    private static String reason(String message) {
        String m = message == null ? "" : message;
        if (m.contains("Expired")) return "expired";
        if (m.contains("before use time")) return "not-yet-valid";
        if (m.contains("audience")) return "wrong-audience";
        if (m.contains("iss")) return "wrong-issuer";
        if (m.contains("missing required claims")) return "missing-claims";
        return "bad-claims";
    }

    /** A cached token lives until its {@code exp}, and never longer than {@link #MAX_CACHE_TTL}. */
    private static final class UntilExp implements Expiry<String, Verified> {
        @Override
        public long expireAfterCreate(String token, Verified v, long currentTime) {
            Date exp = v.claims().getExpirationTime();
            long max = MAX_CACHE_TTL.toNanos();
            if (exp == null) return 0;
            long left = (exp.getTime() - System.currentTimeMillis()) * 1_000_000L;
            return Math.max(0, Math.min(left, max));
        }

        @Override
        public long expireAfterUpdate(String token, Verified v, long currentTime, long currentDuration) {
            return expireAfterCreate(token, v, currentTime);
        }

        @Override
        public long expireAfterRead(String token, Verified v, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
