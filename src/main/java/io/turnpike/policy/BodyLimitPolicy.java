package io.turnpike.policy;

import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;

/**
 * The request limits step, first in every chain: the route's body limit (or the server's) applies
 * to the declared length now, and to a streamed body as it arrives.
 */
public record BodyLimitPolicy(long maxBodyBytes) implements Policy {
    @Override
    public Verdict check(PolicyCall call) {
        call.maxBodyBytes(maxBodyBytes);
        long declared = call.contentLength();
        if (declared > maxBodyBytes) {
            return Verdict.answer(Problems.Kind.BODY_TOO_LARGE,
                    "the body is " + declared + " bytes; the limit is " + maxBodyBytes);
        }
        return Verdict.PASS;
    }
}
