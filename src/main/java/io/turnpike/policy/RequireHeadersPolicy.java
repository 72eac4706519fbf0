package io.turnpike.policy;

import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import java.util.List;

/** The route's {@code requireHeaders}: a request without one of them (or with it empty) is a 400. */
public record RequireHeadersPolicy(List<String> names) implements Policy {
    public RequireHeadersPolicy {
        names = List.copyOf(names);
    }

    @Override
    public Verdict check(PolicyCall call) {
        for (String name : names) {
            String v = call.headers().get(name);
            if (v == null || v.isBlank()) {
                return Verdict.answer(Problems.Kind.MALFORMED, "this route needs the header " + name);
            }
        }
        return Verdict.PASS;
    }
}
