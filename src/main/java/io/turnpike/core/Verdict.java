package io.turnpike.core;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionStage;

/**
 * What a {@link Policy} decided: go on, answer now (with a problem, or with a response of the
 * policy's own making), or decide later.
 */
public sealed interface Verdict permits Verdict.Pass, Verdict.Answer, Verdict.Reply, Verdict.Later {
    /** Go on to the next step. */
    Verdict PASS = Pass.INSTANCE;

    static Verdict answer(Problems.Kind kind, String detail) {
        return new Answer(kind, detail);
    }

    /** The gateway answers with this response (a CORS preflight's 204, a redirect); not a refusal. */
    static Verdict reply(HttpResponseStatus status, HttpHeaders headers, byte[] body) {
        return new Reply(status, headers, body);
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

    /** A whole response; {@code X-Request-Id} and the policies' response headers are added to it. */
    record Reply(HttpResponseStatus status, HttpHeaders headers, byte[] body) implements Verdict {}

    record Later(CompletionStage<Verdict> result) implements Verdict {}
}
