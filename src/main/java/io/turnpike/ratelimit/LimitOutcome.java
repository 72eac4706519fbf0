package io.turnpike.ratelimit;

/**
 * What the limits of one call decided: let in or not, and the numbers of the limit that answers
 * for the headers (the one closest to refusing, or the one that refused).
 *
 * @param limit      the limit the headers describe
 * @param remaining  calls the answering limit lets in at once after this one
 * @param resetNanos until the answering limit is back to a full burst
 * @param retryNanos when refused: until a call would be let in
 */
record LimitOutcome(boolean allowed, Limit limit, long remaining, long resetNanos, long retryNanos) implements Decision {
    /** Redis cannot be reached and the config says to refuse limited calls then. */
    static final LimitOutcome CLOSED = new LimitOutcome(false, null, 0, 0, 1_000_000_000L);

    static LimitOutcome allowed(Limit limit, long remaining, long resetNanos) {
        return new LimitOutcome(true, limit, remaining, resetNanos, 0);
    }

    static LimitOutcome refused(Limit limit, long resetNanos, long retryNanos) {
        return new LimitOutcome(false, limit, 0, resetNanos, retryNanos);
    }

    /** Of two limits of one call, the one whose numbers the client should see. */
    static LimitOutcome stricter(LimitOutcome a, LimitOutcome b) {
        if (a == null) return b;
        if (a.allowed != b.allowed) return a.allowed ? b : a;
        if (!a.allowed) return a.retryNanos >= b.retryNanos ? a : b;
        if (a.remaining != b.remaining) return a.remaining < b.remaining ? a : b;
        return a.resetNanos >= b.resetNanos ? a : b;
    }
}
