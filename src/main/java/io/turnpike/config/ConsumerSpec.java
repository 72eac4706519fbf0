package io.turnpike.config;

import java.util.List;
import java.util.Map;

/**
 * A caller the gateway knows ({@code consumers[i]}): an id, groups for ACLs, an optional plan, and
 * its credentials. API keys are kept only as SHA-256 digests (lower-case hex), never as written;
 * Basic passwords only as bcrypt hashes.
 *
 * @param basicUsers   Basic-auth user name to its bcrypt hash ({@code basic: {user, passwordHash}})
 * @param oauthClients OAuth2 client ids that name this consumer in introspection answers
 *                     ({@code oauth2: {clientId}})
 * @param mtlsSubjects client certificate subjects, RFC 2253 as the JDK writes them ({@code mtls: {subject}})
 * @param mtlsSha256   client certificate SHA-256 fingerprints, lower-case hex ({@code mtls: {sha256}})
 */
public record ConsumerSpec(String id, List<String> groups, String plan, List<String> apiKeyDigests,
                           List<String> jwtSubjects, Map<String, String> basicUsers, List<String> oauthClients,
                           List<String> mtlsSubjects, List<String> mtlsSha256) {
    public ConsumerSpec {
        mtlsSubjects = mtlsSubjects == null ? List.of() : List.copyOf(mtlsSubjects);
        mtlsSha256 = mtlsSha256 == null ? List.of() : List.copyOf(mtlsSha256);
        groups = List.copyOf(groups);
        apiKeyDigests = List.copyOf(apiKeyDigests);
        jwtSubjects = List.copyOf(jwtSubjects);
        basicUsers = basicUsers == null ? Map.of() : Map.copyOf(basicUsers);
        oauthClients = oauthClients == null ? List.of() : List.copyOf(oauthClients);
    }

    public ConsumerSpec(String id, List<String> groups, String plan, List<String> apiKeyDigests,
                        List<String> jwtSubjects, Map<String, String> basicUsers, List<String> oauthClients) {
        this(id, groups, plan, apiKeyDigests, jwtSubjects, basicUsers, oauthClients, List.of(), List.of());
    }

    public ConsumerSpec(String id, List<String> groups, String plan, List<String> apiKeyDigests,
                        List<String> jwtSubjects) {
        this(id, groups, plan, apiKeyDigests, jwtSubjects, Map.of(), List.of());
    }

    /**
     * Whether two bound lists hold the very same consumers (compared by identity, in order): a bind
     * takes unchanged consumers as they were bound before, so a config change that touched no
     * consumer gives the same objects, and what is compiled from them may be kept.
     */
    public static boolean same(List<ConsumerSpec> a, List<ConsumerSpec> b) {
        if (a == b) return true;
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "ConsumerSpec[id=" + id + ", groups=" + groups + ", plan=" + plan + ", apiKeys=" + apiKeyDigests.size()
                + ", basicUsers=" + basicUsers.keySet() + "]";
    }
}
