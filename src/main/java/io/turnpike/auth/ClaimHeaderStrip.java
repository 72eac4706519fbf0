package io.turnpike.auth;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.turnpike.config.JwtIssuerSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Verdict;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * First step of every route's chain while any issuer has {@code claimsToHeaders}: removes each
 * header those map claims to from the client's request. A service trusts them as verified claims,
 * and only a verified token may set them ({@link Credentials#claimsToHeaders}); on a route that
 * takes API keys, Basic or no credential at all, or with a token of another issuer, the client's
 * own value would otherwise pass as one.
 */
public final class ClaimHeaderStrip implements Policy {
    private final AsciiString[] names;

    private ClaimHeaderStrip(AsciiString[] names) {
        this.names = names;
    }

    /** The step for these issuers, or null when none writes claims to headers (then nothing runs per request). */
    public static ClaimHeaderStrip of(List<JwtIssuerSpec> issuers) {
        Set<String> names = new LinkedHashSet<>();
        for (JwtIssuerSpec i : issuers) {
            for (String h : i.claimsToHeaders().values()) names.add(h.toLowerCase(Locale.ROOT));
        }
        if (names.isEmpty()) return null;
        return new ClaimHeaderStrip(names.stream().map(AsciiString::cached).toArray(AsciiString[]::new));
    }

    @Override
    public Verdict check(PolicyCall call) {
        HttpHeaders h = call.headers();
        for (AsciiString name : names) h.remove(name);
        return Verdict.PASS;
    }
}
