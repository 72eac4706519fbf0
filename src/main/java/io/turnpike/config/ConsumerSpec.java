package io.turnpike.config;

import java.util.List;

/**
 * A caller the gateway knows ({@code consumers[i]}): an id, groups for ACLs, an optional plan, and
 * its credentials. API keys are kept only as SHA-256 digests (lower-case hex), never as written.
 */
public record ConsumerSpec(String id, List<String> groups, String plan, List<String> apiKeyDigests,
                           List<String> jwtSubjects) {
    public ConsumerSpec {
        groups = List.copyOf(groups);
        apiKeyDigests = List.copyOf(apiKeyDigests);
        jwtSubjects = List.copyOf(jwtSubjects);
    }

    @Override
    public String toString() {
        return "ConsumerSpec[id=" + id + ", groups=" + groups + ", plan=" + plan + ", apiKeys=" + apiKeyDigests.size() + "]";
    }
}
