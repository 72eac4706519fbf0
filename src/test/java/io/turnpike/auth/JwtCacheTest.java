package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.turnpike.config.JwtIssuerSpec;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verification cache: a repeated token is a lookup, and it counts only until its exp. */
class JwtCacheTest {
    private static final String ISSUER = "https://cache.example";

    @Test
    void aRepeatedTokenIsServedFromTheCacheUntilItsExp() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k").generate();
        JwtVerifier v = new JwtVerifier(List.of(new JwtIssuerSpec(ISSUER, new JWKSet(key.toPublicJWK()).toString(),
                List.of("RS256"), List.of(), Duration.ZERO, List.of(), "sub", Map.of(), null, Duration.ofMinutes(5))));
        long expMillis = (System.currentTimeMillis() / 1000 + 2) * 1000;
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k").build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject("app").expirationTime(new Date(expMillis)).build());
        jwt.sign(new RSASSASigner(key));
        String token = jwt.serialize();

        JwtVerifier.Verified first = v.verify(token);
        assertThat(first).isNotNull();
        assertThat(v.verify(token)).isSameAs(first); // the same verified object: no second signature check
        while (System.currentTimeMillis() <= expMillis + 50) Thread.sleep(50);
        JwtVerifier.Outcome after = v.check(token, false);
        assertThat(after.verified()).isNull();
        assertThat(after.failure()).isEqualTo("expired");
    }
}
