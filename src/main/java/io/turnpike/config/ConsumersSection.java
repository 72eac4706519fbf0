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
import org.yaml.snakeyaml.nodes.Node;

/**
 * Binds {@code consumers:} and {@code auth:}. API keys are hashed here and the plain key goes no
 * further; a key written twice (for one consumer or two) is a problem, since a key must name one
 * consumer. Messages never show a key.
 */
final class ConsumersSection {
    /** A name that goes into {@code X-Consumer-Groups} as one list element: visible ASCII, no comma or quote. */
    private static final Pattern GROUP = Pattern.compile("[\\x21\\x23-\\x2B\\x2D-\\x7E]+");

    private static final Pattern DIGEST = Pattern.compile("(sha256:)?[0-9a-fA-F]{64}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{2}(:?[0-9a-fA-F]{2}){31}");
    private static final String SHA256_EXPECTED = "the certificate's SHA-256 as 64 hex digits (colons allowed)";
    /** A bcrypt hash: $2a$, $2b$ or $2y$, a two-digit cost, 53 characters of salt and hash. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
    private static final String BCRYPT_EXPECTED = "a bcrypt hash like \"$2b$12$...\" (60 characters; "
            + "make one with: htpasswd -nbB user password)";

    private ConsumersSection() {}

    static List<ConsumerSpec> bind(ConfigNode consumers, java.util.Set<String> plans) {
        List<ConsumerSpec> out = new ArrayList<>();
        Owners owners = new Owners();
        for (ConfigNode c : consumers.items("a list of consumers, each like {id: acme, credentials: [...]}", false)) {
            Node item = c.isRecording() ? null : c.node();
            Bound earlier = item == null ? null : BOUND.get(item);
            if (earlier != null && earlier.fits(c, plans, owners)) {
                earlier.claim(c, owners);
                out.add(earlier.spec());
                continue;
            }
            int problemsBefore = c.problemCount();
            List<String> resolved = new ArrayList<>();
            c.expansion().capture(resolved);
            ConsumerSpec spec;
            try {
                spec = bindOne(c, plans, owners);
            } finally {
                c.expansion().capture(null);
            }
            if (spec == null) continue;
            out.add(spec);
            if (item != null && c.problemCount() == problemsBefore) {
                BOUND.put(item, new Bound(spec, c.get("id").line(), c.expansion().env(), List.copyOf(resolved)));
            }
        }
        return out;
    }

    /**
     * Consumers bound without a problem, by their YAML node (compared by identity; an entry goes
     * with its node). An admin change binds the whole config again over the same nodes, and with
     * 100,000 consumers most of that time went to consumers that did not change: each is now taken
     * as bound before, once its plan still exists, its credentials are still its own, and the
     * environment it read is the same.
     */
    private static final Map<Node, Bound> BOUND = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** What the section's consumers claimed so far: ids (with their line) and credentials (with their consumer). */
    private static final class Owners {
        final Map<String, Integer> ids = new HashMap<>();
        final Map<String, String> keys = new HashMap<>();
        final Map<String, String> basic = new HashMap<>();
        final Map<String, String> clients = new HashMap<>();
        final Map<String, String> certs = new HashMap<>();
    }

    /**
     * @param line     where the consumer starts, for a later duplicate id's message
     * @param env      the environment its values were read from
     * @param resolved the environment values it read, handed out again so admin callers never see them
     */
    private record Bound(ConsumerSpec spec, int line, Object env, List<String> resolved) {
        boolean fits(ConfigNode c, java.util.Set<String> plans, Owners o) {
            if (env != c.expansion().env() || spec.plan() != null && !plans.contains(spec.plan())) return false;
            if (o.ids.containsKey(spec.id())) return false;
            for (String d : spec.apiKeyDigests()) if (o.keys.containsKey(d)) return false;
            for (String u : spec.basicUsers().keySet()) if (o.basic.containsKey(u)) return false;
            for (String client : spec.oauthClients()) if (o.clients.containsKey(client)) return false;
            for (String subject : spec.mtlsSubjects()) if (o.certs.containsKey("subject:" + subject)) return false;
            for (String sha : spec.mtlsSha256()) if (o.certs.containsKey("sha256:" + sha)) return false;
            return true;
        }

        void claim(ConfigNode c, Owners o) {
            o.ids.put(spec.id(), line);
            spec.apiKeyDigests().forEach(d -> o.keys.put(d, spec.id()));
            spec.basicUsers().keySet().forEach(u -> o.basic.put(u, spec.id()));
            spec.oauthClients().forEach(client -> o.clients.put(client, spec.id()));
            spec.mtlsSubjects().forEach(subject -> o.certs.put("subject:" + subject, spec.id()));
            spec.mtlsSha256().forEach(sha -> o.certs.put("sha256:" + sha, spec.id()));
            c.expansion().handedOut(resolved);
        }
    }

    /** One consumer, checked against what the ones before it claimed; null when it has no usable id. */
    private static ConsumerSpec bindOne(ConfigNode c, java.util.Set<String> plans, Owners owners) {
        Map<String, Integer> ids = owners.ids;
        Map<String, String> keyOwners = owners.keys;
        Map<String, String> basicOwners = owners.basic;
        Map<String, String> clientOwners = owners.clients;
        Map<String, String> certOwners = owners.certs;
        if (!c.isMapping()) {
            c.expected("a consumer like {id: acme, groups: [partners], credentials: [{apiKey: ...}]}");
            return null;
        }
        c.checkKeys(List.of("id", "groups", "plan", "credentials"), Map.of());
        ConfigNode idNode = c.require("id", "a consumer id like acme-mobile");
        String id = idNode.text("a consumer id like acme-mobile");
        if (id != null) {
            id = id.strip();
            if (!ServiceSection.ID.matcher(id).matches()) {
                idNode.expected("an id of letters, digits, '.', '_' or '-'");
            } else {
                Integer earlier = ids.putIfAbsent(id, idNode.line());
                if (earlier != null) {
                    idNode.problem(ConfigNode.quote(id) + " is already the id of the consumer at line "
                            + earlier + " (expected: a unique id)");
                }
            }
        }
        List<String> groups = new ArrayList<>();
        for (ConfigNode g : c.get("groups").items("a list of group names like [partners]", true)) {
            String t = g.text("a group name");
            if (t == null || t.isBlank()) continue;
            t = t.strip();
            if (GROUP.matcher(t).matches()) {
                groups.add(t);
            } else {
                // The upstream reads the groups from X-Consumer-Groups, joined with commas: a comma
                // would split one group into two there, and a control character cannot be sent.
                g.expected("a group name of visible ASCII characters without ',' or '\"'");
            }
        }
        String plan = c.get("plan").text("a plan name");
        if (plan != null && !plans.contains(plan.strip())) {
            c.get("plan").problem("no plan " + ConfigNode.quote(plan.strip()) + (plans.isEmpty()
                    ? " (expected: a plan defined under plans:)" : " (expected: one of " + String.join(", ", plans) + ")"));
        }
        List<String> digests = new ArrayList<>();
        List<String> jwtSubjects = new ArrayList<>();
        Map<String, String> basicUsers = new HashMap<>();
        List<String> oauthClients = new ArrayList<>();
        List<String> mtlsSubjects = new ArrayList<>();
        List<String> mtlsSha256 = new ArrayList<>();
        for (ConfigNode cred : c.get("credentials").items("a list of credentials like [{apiKey: ...}]", false)) {
            if (!cred.isMapping()) {
                cred.expected("a credential like {apiKey: ${ACME_KEY}} or {apiKeyHash: <sha-256 hex>}");
                continue;
            }
            cred.checkKeys(List.of("apiKey", "apiKeyHash", "jwt", "basic", "oauth2", "mtls"), Map.of());
            basic(cred.get("basic"), id, basicOwners, basicUsers);
            mtls(cred.get("mtls"), id, certOwners, mtlsSubjects, mtlsSha256);
            oauth2(cred.get("oauth2"), id, clientOwners, oauthClients);
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
        if (id == null) return null;
        return new ConsumerSpec(id, groups, plan == null ? null : plan.strip(), digests, jwtSubjects,
                basicUsers, oauthClients, mtlsSubjects, mtlsSha256);
    }

    /** {@code basic: { user, passwordHash }}: bcrypt only; a plain {@code password} is refused. */
    private static void basic(ConfigNode basic, String id, Map<String, String> owners, Map<String, String> into) {
        if (!basic.isPresent()) return;
        if (!basic.isMapping()) {
            basic.expected("{user: acme, passwordHash: \"$2b$12$...\"}");
            return;
        }
        basic.checkKeys(List.of("user", "passwordHash"), Map.of("password",
                "a plain password is never kept in the config (expected: passwordHash: " + BCRYPT_EXPECTED + ")"));
        String user = basic.require("user", "a user name like acme").text("a user name like acme");
        ConfigNode hashNode = basic.get("passwordHash");
        String hash = hashNode.secret(BCRYPT_EXPECTED);
        if (!hashNode.isPresent() && !basic.get("password").isPresent()) {
            basic.problem("no passwordHash (expected: passwordHash: " + BCRYPT_EXPECTED + ")");
        }
        if (hash != null && !BCRYPT.matcher(hash.strip()).matches()) {
            hashNode.problem("the hash (not shown) is not a bcrypt hash (expected: " + BCRYPT_EXPECTED + ")");
            hash = null;
        }
        if (user == null || user.isBlank()) return;
        user = user.strip();
        if (user.indexOf(':') >= 0) {
            basic.get("user").expected("a user name without ':' (Basic credentials are user:password)");
            return;
        }
        String owner = owners.putIfAbsent(user, id == null ? "?" : id);
        if (owner != null) {
            basic.get("user").problem("user " + ConfigNode.quote(user) + " is already a Basic user of consumer "
                    + ConfigNode.quote(owner) + " (expected: one user, one consumer)");
        } else if (hash != null) {
            into.put(user, hash.strip());
        }
    }

    /**
     * {@code mtls: { subject }} (RFC 2253, kept as the JDK writes it so it compares with a verified
     * certificate's) or {@code mtls: { sha256 }}; a certificate names one consumer only.
     */
    private static void mtls(ConfigNode mtls, String id, Map<String, String> owners, List<String> subjects,
                             List<String> fingerprints) {
        if (!mtls.isPresent()) return;
        if (!mtls.isMapping()) {
            mtls.expected("{subject: \"CN=partner-a,O=Acme\"} or {sha256: <fingerprint>}");
            return;
        }
        mtls.checkKeys(List.of("subject", "sha256"), Map.of());
        ConfigNode subjectNode = mtls.get("subject");
        ConfigNode shaNode = mtls.get("sha256");
        String subject = subjectNode.text("a subject in RFC 2253 form, like \"CN=partner-a,O=Acme\"");
        String sha = shaNode.text(SHA256_EXPECTED);
        if (!mtls.isRecording() && (subject == null) == (sha == null)) {
            mtls.problem("an mtls credential names a certificate by subject or by sha256 (expected: exactly one "
                    + "of them)");
            return;
        }
        String key;
        ConfigNode at;
        if (subject != null) {
            try {
                key = "subject:" + new javax.security.auth.x500.X500Principal(subject.strip())
                        .getName(javax.security.auth.x500.X500Principal.RFC2253);
            } catch (IllegalArgumentException e) {
                subjectNode.expected("a subject in RFC 2253 form, like \"CN=partner-a,O=Acme\"");
                return;
            }
            at = subjectNode;
        } else if (sha != null) {
            if (!FINGERPRINT.matcher(sha.strip()).matches()) {
                shaNode.expected(SHA256_EXPECTED);
                return;
            }
            key = "sha256:" + sha.strip().replace(":", "").toLowerCase(java.util.Locale.ROOT);
            at = shaNode;
        } else {
            return;
        }
        String owner = owners.putIfAbsent(key, id == null ? "?" : id);
        if (owner != null) {
            at.problem("this certificate is already an mtls credential of consumer " + ConfigNode.quote(owner)
                    + " (expected: one certificate, one consumer)");
        } else if (key.startsWith("subject:")) {
            subjects.add(key.substring(8));
        } else {
            fingerprints.add(key.substring(7));
        }
    }

    /** {@code oauth2: { clientId }}: the client an introspection answer names ({@code client_id}). */
    private static void oauth2(ConfigNode oauth2, String id, Map<String, String> owners, List<String> into) {
        if (!oauth2.isPresent()) return;
        oauth2.checkKeys(List.of("clientId"), Map.of());
        String client = oauth2.require("clientId", "the OAuth2 client_id, like acme-app").text("a client id");
        if (client == null || client.isBlank()) return;
        client = client.strip();
        String owner = owners.putIfAbsent(client, id == null ? "?" : id);
        if (owner != null) {
            oauth2.get("clientId").problem("client " + ConfigNode.quote(client) + " is already a client of consumer "
                    + ConfigNode.quote(owner) + " (expected: one client, one consumer)");
        } else {
            into.add(client);
        }
    }

    static AuthSettings auth(ConfigNode auth) {
        if (!auth.isPresent()) return AuthSettings.DEFAULT;
        auth.checkKeys(List.of("apiKey", "jwt", "introspection"), Map.of());
        ConfigNode k = auth.get("apiKey");
        k.checkKeys(List.of("header", "query"), Map.of());
        String header = k.get("header").text("a header name like X-API-Key");
        String query = k.get("query").text("a query parameter name like api_key");
        String keyHeader = header == null || header.isBlank() ? AuthSettings.DEFAULT.apiKeyHeader() : header.strip();
        return new AuthSettings(keyHeader, query == null || query.isBlank() ? null : query.strip(),
                JwtSection.bind(auth.get("jwt"), keyHeader), introspection(auth.get("introspection")));
    }

    /** {@code introspection: { endpoint, clientId, clientSecret, timeout, cacheTtl, allowInsecure }}. */
    private static IntrospectionSettings introspection(ConfigNode n) {
        if (!n.isPresent()) return null;
        if (!n.isMapping()) {
            n.expected("{endpoint: https://id.example.com/oauth2/introspect, clientId: ..., clientSecret: ...}");
            return null;
        }
        n.checkKeys(List.of("endpoint", "clientId", "clientSecret", "timeout", "cacheTtl", "allowInsecure"), Map.of());
        String expectedUrl = "an https:// URL of the introspection endpoint";
        // Each call carries the gateway's client secret and a client's token: http:// only when asked for.
        String endpoint = SecureUrls.read(n.require("endpoint", expectedUrl), n.get("allowInsecure"), "endpoint",
                expectedUrl);
        String clientId = n.require("clientId", "the gateway's client id at the server").text("a client id");
        String secret = n.require("clientSecret", "the client's secret, like ${INTROSPECTION_SECRET}")
                .secret("the client's secret, like ${INTROSPECTION_SECRET}");
        java.time.Duration timeout = n.get("timeout").duration(java.time.Duration.ofSeconds(2), false);
        java.time.Duration ttl = n.get("cacheTtl").duration(java.time.Duration.ofMinutes(1), true);
        if (endpoint == null || clientId == null || secret == null) return null;
        return new IntrospectionSettings(endpoint, clientId.strip(), secret, timeout, ttl);
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
