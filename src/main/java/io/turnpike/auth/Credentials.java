package io.turnpike.auth;

import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.AuthSettings;
import io.turnpike.core.HeaderText;
import java.util.ArrayList;
import java.util.List;

/** Reading credentials from a request: API keys (header or query), bearer tokens, challenges. */
public final class Credentials {
    private Credentials() {}

    /** What the client offered: the key and whether it came in the query string. */
    public record Credential(String key, boolean inQuery) {}

    public static Credential apiKey(HttpHeaders h, String query, AuthSettings auth) {
        String key = h.get(auth.apiKeyHeader());
        if (key != null) return new Credential(key, false);
        if (auth.apiKeyQuery() == null || query == null) return null;
        String fromQuery = queryParam(query, auth.apiKeyQuery());
        return fromQuery == null ? null : new Credential(fromQuery, true);
    }

    /** {@code WWW-Authenticate} values for a 401: one per scheme the route accepts. */
    public static List<String> challenges(List<String> kinds, AuthSettings auth) {
        List<String> out = new ArrayList<>(2);
        if (kinds.contains("apiKey")) {
            out.add("ApiKey header=\"" + auth.apiKeyHeader() + "\""
                    + (auth.apiKeyQuery() == null ? "" : ", query=\"" + auth.apiKeyQuery() + "\""));
        }
        if (kinds.contains("jwt") || kinds.contains("introspection")) out.add("Bearer realm=\"turnpike\"");
        if (kinds.contains("basic")) out.add("Basic realm=\"turnpike\", charset=\"UTF-8\"");
        return out;
    }

    /** The token of {@code Authorization: Bearer <token>}, or null. */
    public static String bearer(HttpHeaders h) {
        String v = h.get(io.netty.handler.codec.http.HttpHeaderNames.AUTHORIZATION);
        if (v == null || v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        return v.substring(7).strip();
    }

    /**
     * The claims the issuer forwards as headers ({@code claimsToHeaders}). A claim a header cannot
     * carry is left out, as a missing one is: a claim is the token holder's text (a display name they
     * chose), and CR or LF in it would end the field.
     */
    public static void claimsToHeaders(JwtVerifier.Verified token, HttpHeaders h) {
        token.issuer().claimsToHeaders().forEach((claim, header) -> {
            Object v = token.claims().getClaim(claim);
            CharSequence value = v == null ? null : headerValue(v.toString());
            if (value != null) h.set(header, value);
            else h.remove(header); // never let a client-sent value pass as the claim
        });
    }

    /** A claim as a header value ({@link HeaderText#utf8}), or null when it holds a control character. */
    static CharSequence headerValue(String text) {
        return HeaderText.firstControl(text) >= 0 ? null : HeaderText.utf8(text);
    }

    /** The first value of a query parameter (percent-decoding not applied: keys are plain tokens). */
    public static String queryParam(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (k.equals(name)) return eq < 0 ? "" : pair.substring(eq + 1);
        }
        return null;
    }

    /** The query string without a parameter (all its occurrences); null when nothing is left. */
    public static String withoutParam(String query, String name) {
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
