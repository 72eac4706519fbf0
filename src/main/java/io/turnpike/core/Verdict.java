package io.turnpike.core;

import java.util.concurrent.CompletionStage;

/** What a {@link Policy} decided: go on, answer now with a problem, or decide later. */
public sealed interface Verdict permits Verdict.Pass, Verdict.Answer, Verdict.Later {
    /** Go on to the next step. */
    Verdict PASS = Pass.INSTANCE;

    static Verdict answer(Problems.Kind kind, String detail) {
        return new Answer(kind, detail);
    }

    /**
     * Decide when {@code result} completes (on any thread). A stage that fails answers 503
     * {@link Problems.Kind#CHECK_UNAVAILABLE}: a check that could not be made never lets a call in.
     */
    static Verdict later(CompletionStage<Verdict> result) {
        return new Later(result);
    }

    enum Pass implements Verdict { INSTANCE }

    /**
     * The gateway answers: a problem of this kind. Headers the policy put in
     * {@link PolicyCall#responseHeaders()} (WWW-Authenticate, Retry-After, ...) go with it.
     */
    record Answer(Problems.Kind kind, String detail) implements Verdict {}

    record Later(CompletionStage<Verdict> result) implements Verdict {}
}
