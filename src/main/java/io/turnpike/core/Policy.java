package io.turnpike.core;

/**
 * One step of a route's policy chain (request limits, IP filter, CORS, authentication, ACL, rate
 * limit, ...). A route's chain is built once per config snapshot, not per request, and runs on the
 * request's event loop: a step must not block. A step that needs slow or remote work (a password
 * hash, an introspection call, a Redis script) answers {@link Verdict#later} with a stage that
 * completes elsewhere; the request waits, its body queued, and the chain resumes on its loop.
 */
@FunctionalInterface
public interface Policy {
    Verdict check(PolicyCall call);
}
