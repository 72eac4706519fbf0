package io.turnpike.policy;

import io.turnpike.core.Consumer;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The route's {@code acl:} on the consumer's groups (deny wins; an empty allow list lets every
 * consumer in) and on the scopes its credential grants: every scope of {@code acl.scopes} must be
 * in the token's {@code scope} claim (space-separated, RFC 8693/9068) or {@code scp} (a list or a
 * string). A credential without claims (an API key, Basic) grants no scopes.
 */
public record AclPolicy(RouteSpec.Acl acl) implements Policy {
    @Override
    public Verdict check(PolicyCall call) {
        Consumer c = call.consumer();
        if (c == null) return Verdict.PASS;
        if (!allowed(c, acl)) {
            call.authDecision("acl-denied");
            return Verdict.answer(Problems.Kind.FORBIDDEN, "consumer " + c.id() + " may not call this route");
        }
        if (!acl.scopes().isEmpty() && !granted(call.claims(), acl.scopes())) {
            call.authDecision("scope-missing");
            return Verdict.answer(Problems.Kind.FORBIDDEN, "this route needs the scopes " + String.join(" ", acl.scopes()));
        }
        return Verdict.PASS;
    }

    public static boolean allowed(Consumer c, RouteSpec.Acl acl) {
        if (acl == null) return true;
        if (c.inAny(acl.deny())) return false;
        return acl.allow().isEmpty() || c.inAny(acl.allow());
    }

    /** Whether the claims grant every one of {@code needed}. */
    public static boolean granted(Map<String, Object> claims, List<String> needed) {
        if (claims == null || claims.isEmpty()) return false;
        for (String scope : needed) {
            if (!has(claims.get("scope"), scope) && !has(claims.get("scp"), scope)) return false;
        }
        return true;
    }

    private static boolean has(Object claim, String scope) {
        if (claim instanceof String s) {
            for (String part : s.split(" ")) {
                if (part.equals(scope)) return true;
            }
            return false;
        }
        if (claim instanceof Collection<?> list) {
            for (Object o : list) {
                if (scope.equals(String.valueOf(o))) return true;
            }
        }
        return false;
    }
}
