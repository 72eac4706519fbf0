package io.turnpike.proxy;

import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import io.netty.util.concurrent.EventExecutor;

/**
 * Runs a route's policy chain for one exchange, by index: each step passes, answers, or decides
 * later; a later step suspends the chain, and it resumes on the exchange's loop when the step's
 * stage completes (unless the exchange ended meanwhile). Past the last step, the exchange
 * dispatches.
 */
final class PolicyRun {
    /** What the run tells the exchange. */
    interface Steps {
        /** The chain waits for a step that decides elsewhere. */
        void suspended();

        /** A step answered: a problem or a reply. */
        void answered(Verdict verdict);

        /** Every step passed. */
        void passed();

        /** A step could not decide (its stage failed). */
        void broke(Problems.Kind kind, String detail);

        boolean ended();
    }

    private final Policy[] chain;
    private final PolicyCall call;
    private final EventExecutor loop;
    private final Steps steps;
    private final String routeId;

    PolicyRun(Policy[] chain, PolicyCall call, EventExecutor loop, Steps steps, String routeId) {
        this.chain = chain;
        this.call = call;
        this.loop = loop;
        this.steps = steps;
        this.routeId = routeId;
    }

    /** Runs the chain from step {@code from}. */
    void run(int from) {
        for (int i = from; i < chain.length; i++) {
            Verdict v = chain[i].check(call);
            if (v == Verdict.PASS) continue;
            if (v instanceof Verdict.Later later) {
                steps.suspended();
                suspend(i, later);
            } else {
                steps.answered(v);
            }
            return;
        }
        steps.passed();
    }

    private void suspend(int step, Verdict.Later later) {
        later.result().whenComplete((r, e) -> {
            if (loop.inEventLoop()) {
                resume(step, r, e);
            } else {
                loop.execute(() -> resume(step, r, e));
            }
        });
    }

    private void resume(int step, Verdict v, Throwable failure) {
        if (steps.ended()) return; // the client left, or the deadline passed, while the step was deciding
        if (failure != null || v == null) {
            org.slf4j.LoggerFactory.getLogger(PolicyRun.class).warn("policy step {} of route {} failed",
                    chain[step].getClass().getSimpleName(), routeId, failure);
            steps.broke(Problems.Kind.CHECK_UNAVAILABLE, "the gateway could not complete a check this route needs");
        } else if (v == Verdict.PASS) {
            run(step + 1);
        } else if (v instanceof Verdict.Later later) {
            suspend(step, later);
        } else {
            steps.answered(v);
        }
    }
}
