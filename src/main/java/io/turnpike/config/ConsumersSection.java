package io.turnpike.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds {@code consumers:} and {@code auth:}. API keys are hashed here and the plain key goes no
 * further; a key written twice (for one consumer or two) is a problem, since a key must name one
 * consumer. Messages never show a key.
 */
final class ConsumersSection {
    private static final Pattern DIGEST = Pattern.compile("(sha256:)?[0-9a-fA-F]{64}");
    private static final Map<String, String> PLANNED_CREDENTIALS = Map.of(
            "basic", "\"basic\" credentials are not supported yet");

    private ConsumersSection() {}

    static List<ConsumerSpec> bind(ConfigNode consumers, java.util.Set<String> plans) {
        List<ConsumerSpec> out = new ArrayList<>();
        Map<String, ConfigNode> ids = new HashMap<>();
        Map<String, String> keyOwners = new HashMap<>();
        for (ConfigNode c : consumers.items("a list of consumers, each like {id: acme, credentials: [...]}", false)) {
            if (!c.isMapping()) {
                c.expected("a consumer like {id: acme, groups: [partners], credentials: [{apiKey: ...}]}");
                continue;
            }
            c.checkKeys(List.of("id", "groups", "plan", "credentials"), Map.of());
            ConfigNode idNode = c.require("id", "a consumer id like acme-mobile");
            String id = idNode.text("a consumer id like acme-mobile");
            if (id != null) {
                id = id.strip();
                if (!ServiceSection.ID.matcher(id).matches()) {
                    idNode.expected("an id of letters, digits, '.', '_' or '-'");
                } else {
                    ConfigNode earlier = ids.putIfAbsent(id, idNode);
                    if (earlier != null) {
                        idNode.problem(ConfigNode.quote(id) + " is already the id of the consumer at line "
                                + earlier.line() + " (expected: a unique id)");
                    }
                }
            }
            List<String> groups = new ArrayList<>();
            for (ConfigNode g : c.get("groups").items("a list of group names like [partners]", true)) {
                String t = g.text("a group name");
                if (t != null && !t.isBlank()) groups.add(t.strip());
            }
            String plan = c.get("plan").text("a plan name");
            if (plan != null && !plans.contains(plan.strip())) {
                c.get("plan").problem("no plan " + ConfigNode.quote(plan.strip()) + (plans.isEmpty()
                        ? " (expected: a plan defined under plans:)" : " (expected: one of " + String.join(", ", plans) + ")"));
            }
            List<String> digests = new ArrayList<>();
            List<String> jwtSubjects = new ArrayList<>();
            for (ConfigNode cred : c.get("credentials").items("a list of credentials like [{apiKey: ...}]", false)) {
                if (!cred.isMapping()) {
                    cred.expected("a credential like {apiKey: ${ACME_KEY}} or {apiKeyHash: <sha-256 hex>}");
                    continue;
                }
                cred.checkKeys(List.of("apiKey", "apiKeyHash", "jwt"), PLANNED_CREDENTIALS);
                ConfigNode jwt = cred.get("jwt");
                if (jwt.isPresent()) {
                    jwt.checkKeys(List.of("issuer", "subject"), Map.of());
                    String iss = jwt.require("issuer", "the token's iss").text("the token's iss");
                    String sub = jwt.require("subject", "the token's sub (or consumerClaim)").text("the token's sub");
                    if (iss != null && sub != null) jwtSubjects.add(iss.strip() + "\n" + sub.strip());
                }
                String digest = null;
                ConfigNode at = cred.get("apiKey");
                String key = at.secret("an API key, like ${ACME_KEY}");
                if (key != null) {
                    if (key.length() < 16) {
                        at.problem("the API key (not shown) is shorter than 16 characters (expected: a long random key)");
                    } else {
                        digest = sha256(key);
                    }
                }
                ConfigNode hashNode = cred.get("apiKeyHash");
                String hash = hashNode.text("the SHA-256 of the key as 64 hex digits, optionally sha256:-prefixed");
                if (hash != null) {
                    String h = hash.strip();
                    if (!DIGEST.matcher(h).matches()) {
                        hashNode.expected("the SHA-256 of the key as 64 hex digits, optionally sha256:-prefixed");
                    } else {
                        digest = h.substring(h.length() - 64).toLowerCase(java.util.Locale.ROOT);
                    }
                }
                if (digest == null) continue;
                String owner = keyOwners.putIfAbsent(digest, id == null ? "?" : id);
                if (owner != null) {
                    cred.problem("this API key (not shown) is also a key of consumer " + ConfigNode.quote(owner)
                            + " (expected: one key, one consumer)");
                } else {
                    digests.add(digest);
                }
            }
            if (id != null) out.add(new ConsumerSpec(id, groups, plan == null ? null : plan.strip(), digests, jwtSubjects));
        }
        return out;
    }

    static AuthSettings auth(ConfigNode auth) {
        if (!auth.isPresent()) return AuthSettings.DEFAULT;
        auth.checkKeys(List.of("apiKey", "jwt"), Map.of(
                "basic", "\"basic\" is not supported yet", "introspection", "\"introspection\" is not supported yet"));
        ConfigNode k = auth.get("apiKey");
        k.checkKeys(List.of("header", "query"), Map.of());
        String header = k.get("header").text("a header name like X-API-Key");
        String query = k.get("query").text("a query parameter name like api_key");
        return new AuthSettings(header == null || header.isBlank() ? AuthSettings.DEFAULT.apiKeyHeader() : header.strip(),
                query == null || query.isBlank() ? null : query.strip(), JwtSection.bind(auth.get("jwt")));
    }

    /** Lower-case hex SHA-256 of the UTF-8 key. */
    public static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
