package io.turnpike.config;

import java.util.List;

/**
 * Checks across {@code routes:} and {@code auth:}: a route may only accept a credential kind the
 * gateway can check — {@code introspection} needs {@code auth.introspection}, {@code jwt} needs an
 * issuer under {@code auth.jwt}, {@code mtls} a TLS listener asking for client certificates — or
 * every call to it would be refused.
 */
final class AuthChecks {
    private AuthChecks() {}

    /** A section present but broken has its own problems already; only an absent one is reported here. */
    static void check(ConfigNode routes, ConfigNode authNode, AuthSettings auth, ServerSettings server) {
        boolean clientCertificates = server != null && server.tls() != null
                && server.tls().clientAuth() != TlsSettings.ClientAuth.NONE;
        if (auth == null) return;
        for (ConfigNode route : routes.items("a list of routes", false)) {
            if (!route.isMapping()) continue;
            List<ConfigNode> kinds = route.get("auth").isSequence() ? route.get("auth").items("a list", true) : List.of();
            for (ConfigNode kind : kinds) {
                if (!kind.isScalar()) continue;
                String k = kind.text("a credential kind");
                if ("introspection".equals(k == null ? null : k.strip()) && !authNode.get("introspection").isPresent()) {
                    kind.problem("\"introspection\" needs auth.introspection (expected: auth: { introspection: "
                            + "{ endpoint: https://..., clientId: ..., clientSecret: ... } })");
                } else if ("mtls".equals(k == null ? null : k.strip()) && !clientCertificates) {
                    kind.problem("\"mtls\" needs client certificates (expected: server: { tls: { clientAuth: "
                            + "optional, clientCa: ... } })");
                } else if ("jwt".equals(k == null ? null : k.strip()) && !authNode.get("jwt").isPresent()) {
                    kind.problem("\"jwt\" needs an issuer under auth.jwt (expected: auth: { jwt: [ { issuer: ..., "
                            + "jwks: https://... } ] })");
                }
            }
        }
    }
}
