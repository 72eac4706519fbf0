package io.turnpike.policy;

import io.turnpike.auth.Consumer;
import io.turnpike.config.RouteSpec;
import io.turnpike.proxy.Policy;
import io.turnpike.proxy.PolicyCall;
import io.turnpike.proxy.Problems;
import io.turnpike.proxy.Verdict;

/** The route's {@code acl:} on the consumer's groups: deny wins; an empty allow list lets every consumer in. */
public record AclPolicy(RouteSpec.Acl acl) implements Policy {
    @Override
    public Verdict check(PolicyCall call) {
        Consumer c = call.consumer();
        if (c == null || allowed(c, acl)) return Verdict.PASS;
        call.authDecision("acl-denied");
        return Verdict.answer(Problems.Kind.FORBIDDEN, "consumer " + c.id() + " may not call this route");
    }

    public static boolean allowed(Consumer c, RouteSpec.Acl acl) {
        if (acl == null) return true;
        if (c.inAny(acl.deny())) return false;
        return acl.allow().isEmpty() || c.inAny(acl.allow());
    }
}
