package io.turnpike.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.auth.Consumer;
import io.turnpike.auth.Consumers;
import io.turnpike.config.AuthSettings;
import io.turnpike.config.RouteSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Who is calling, and may they: finds the consumer behind a request's credential and applies the
 * route's ACL. The same answer for an unknown key and a wrong one, so a failure teaches nothing.
 */
final class Gatekeeper {
    private Gatekeeper() {}

    /** What the client offered: the key and whether it came in the query string. */
    record Credential(String key, boolean inQuery) {}

    static Credential apiKey(HttpHeaders h, String query, AuthSettings auth) {
        String key = h.get(auth.apiKeyHeader());
        if (key != null) return new Credential(key, false);
        if (auth.apiKeyQuery() == null || query == null) return null;
        String fromQuery = queryParam(query, auth.apiKeyQuery());
        return fromQuery == null ? null : new Credential(fromQuery, true);
    }

    static Consumer authenticate(Credential credential, Consumers consumers) {
        return credential == null || credential.key().isEmpty() ? null : consumers.byApiKey(credential.key());
    }

    /** Deny wins; an empty allow list lets every authenticated consumer in. */
    static boolean allowed(Consumer c, RouteSpec.Acl acl) {
        if (acl == null) return true;
        if (c.inAny(acl.deny())) return false;
        return acl.allow().isEmpty() || c.inAny(acl.allow());
    }

    /** {@code WWW-Authenticate} values for a 401: one per scheme the route accepts. */
    static List<String> challenges(List<String> kinds, AuthSettings auth) {
        List<String> out = new ArrayList<>(2);
        if (kinds.contains("apiKey")) {
            out.add("ApiKey header=\"" + auth.apiKeyHeader() + "\""
                    + (auth.apiKeyQuery() == null ? "" : ", query=\"" + auth.apiKeyQuery() + "\""));
        }
        if (kinds.contains("jwt")) out.add("Bearer realm=\"turnpike\"");
        return out;
    }

    /** The token of {@code Authorization: Bearer <token>}, or null. */
    static String bearer(HttpHeaders h) {
        String v = h.get(io.netty.handler.codec.http.HttpHeaderNames.AUTHORIZATION);
        if (v == null || v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return v.substring(7).strip();
    }

    /** The claims the issuer forwards as headers ({@code claimsToHeaders}). */
    static void claimsToHeaders(io.turnpike.auth.JwtVerifier.Verified token, HttpHeaders h) {
        token.issuer().claimsToHeaders().forEach((claim, header) -> {
            Object v = token.claims().getClaim(claim);
            if (v != null) h.set(header, v.toString());
            else h.remove(header); // never let a client-sent value pass as the claim
        });
    }

    /** The first value of a query parameter (percent-decoding not applied: keys are plain tokens). */
    static String queryParam(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (k.equals(name)) return eq < 0 ? "" : pair.substring(eq + 1);
        }
        return null;
    }

    /** The query string without a parameter (all its occurrences); null when nothing is left. */
    static String withoutParam(String query, String name) {
        StringBuilder out = new StringBuilder(query.length());
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (k.equals(name) || pair.isEmpty()) continue;
            if (out.length() > 0) out.append('&');
            out.append(pair);
        }
        return out.length() == 0 ? null : out.toString();
    }
}
