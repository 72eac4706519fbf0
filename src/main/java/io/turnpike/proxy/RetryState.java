package io.turnpike.proxy;

import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.Service;

/**
 * How far one request to a service has come with its tries: the nodes it tried (a bit a node, for
 * the balancer), how many tries and retries it made, whether its one resend on a stale pooled
 * connection is spent; and whether the service's {@code retries:} allow one more try.
 */
final class RetryState {
    /** A pooled connection found closed by the node is replaced once; the request never reached it. */
    private static final int MAX_STALE_RESENDS = 1;
    /** Streams an HTTP/2 node turned away unprocessed (GOAWAY, REFUSED_STREAM) go again this often. */
    private static final int MAX_UNPROCESSED_RESENDS = 2;

    private final Service service;
    private final boolean methodAllows;
    private long tried;
    private int tries;
    private int retries;
    private int staleResends;
    private int unprocessedResends;

    /** @param retryNonIdempotent the route allows repeating any method */
    RetryState(Service service, String method, boolean retryNonIdempotent) {
        this.service = service;
        this.methodAllows = RetryRule.methodAllows(method, retryNonIdempotent);
    }

    /** Bit i set = node i of the service was already tried. */
    long tried() {
        return tried;
    }

    /** Tries made so far (connect failures included). */
    int tries() {
        return tries;
    }

    /** A try goes to node {@code index} of the service. */
    void picked(int index) {
        if (index >= 0 && index < 64) tried |= 1L << index;
        tries++;
    }

    /**
     * The picked node at {@code index} lost its last probe permit to another request: true when it
     * is marked tried and the balancer may look again, false when it was tried already.
     */
    boolean lost(int index) {
        if (index < 0 || index >= 64 || (tried & (1L << index)) != 0) return false;
        tried |= 1L << index;
        return true;
    }

    /** Takes the one resend on a stale connection; false when it was spent. */
    boolean takeStaleResend() {
        if (staleResends >= MAX_STALE_RESENDS) return false;
        staleResends++;
        return true;
    }

    /** Takes one resend of a request an HTTP/2 node did not process; false when they were spent. */
    boolean takeUnprocessedResend() {
        if (unprocessedResends >= MAX_UNPROCESSED_RESENDS) return false;
        unprocessedResends++;
        return true;
    }

    /**
     * Whether a failed try may be followed by another: the failure is one the service's retries
     * list, the method may be repeated, attempts, deadline and the retry budget allow it. Returns
     * the backoff to wait before it, or -1 when there is none.
     *
     * @param deadline the request's deadline, {@code Long.MAX_VALUE} when it has none
     */
    long nextTry(Outcome how, long now, long deadline) {
        var rules = service.retries();
        boolean listed = switch (how) {
            case RESET -> rules.onReset();
            case TIMEOUT -> rules.onTimeout();
            case SERVER_ERROR -> true; // the caller checked the status
            default -> false;
        };
        if (!listed || retries >= rules.attempts() || !methodAllows) return -1;
        long wait = RetryRule.backoffNanos(rules, retries + 1);
        if (deadline != Long.MAX_VALUE && now + wait - deadline >= 0) return -1;
        if (!service.retryBudget().tryRetry()) return -1;
        retries++;
        if (Long.bitCount(tried) >= service.nodes().size()) {
            tried = 0; // every node had its turn: another try may go to any of them
        }
        return wait;
    }

    /** The retries the access log reports: every try after the first, and the stale resends. */
    int retries() {
        return Math.max(0, tries - 1) + staleResends + unprocessedResends;
    }
}
