package io.turnpike.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One JWT issuer the gateway trusts ({@code auth.jwt[i]}).
 *
 * @param jwks            its public keys (and HMAC secrets) as a JWK set in JSON; null when fetched from {@code jwksUrl}
 * @param jwksUrl         where its keys are fetched from (refreshed every {@code jwksRefresh}); null = inline keys
 * @param algorithms      accepted algorithms; {@code none} never is
 * @param audiences       a token must name one of these; empty = any
 * @param requiredClaims  claims a token must carry
 * @param consumerClaim   the claim naming the consumer (with the issuer): {@code sub} by default
 * @param claimsToHeaders claim name to the header the service receives it in
 */
public record JwtIssuerSpec(String issuer, String jwks, List<String> algorithms, List<String> audiences,
                            Duration clockSkew, List<String> requiredClaims, String consumerClaim,
                            Map<String, String> claimsToHeaders, String jwksUrl, Duration jwksRefresh) {
    public JwtIssuerSpec {
        algorithms = List.copyOf(algorithms);
        audiences = List.copyOf(audiences);
        requiredClaims = List.copyOf(requiredClaims);
        claimsToHeaders = Map.copyOf(claimsToHeaders);
    }

    @Override
    public String toString() {
        return "JwtIssuerSpec[issuer=" + issuer + ", algorithms=" + algorithms + ", audiences=" + audiences + "]";
    }
}
