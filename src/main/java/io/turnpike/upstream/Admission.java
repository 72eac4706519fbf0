package io.turnpike.upstream;

/**
 * A service's answer to "may this request go ahead?".
 *
 * @param retryAfterNanos when refused, how long the client should wait before trying again
 */
public record Admission(Reason reason, long retryAfterNanos) {
    public static final Admission ALLOW = new Admission(null, 0);

    /** Why a request was refused. */
    public enum Reason {
        /** The service's breaker is open: calls are stopped. */
        CIRCUIT_OPEN,
        /** The service is at its in-flight limit and the call is not high priority. */
        OVERLOADED
    }

    public boolean allowed() {
        return reason == null;
    }
}
