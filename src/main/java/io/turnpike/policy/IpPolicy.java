package io.turnpike.policy;

import io.turnpike.config.IpFilter;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;

/** The route's {@code ipAllow}/{@code ipDeny}: 403 for a caller outside them. */
public record IpPolicy(IpFilter filter) implements Policy {
    @Override
    public Verdict check(PolicyCall call) {
        if (filter.permits(call.clientAddress())) return Verdict.PASS;
        return Verdict.answer(Problems.Kind.FORBIDDEN, "calls from " + call.clientIp() + " are not allowed on this route");
    }
}
