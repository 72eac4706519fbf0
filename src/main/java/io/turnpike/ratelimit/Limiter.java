package io.turnpike.ratelimit;

/** Decides calls against limits: in process, with one Redis script per call, or on leased tokens. */
interface Limiter extends AutoCloseable {
    /**
     * Decides one call; {@code keys[i]} is the call's key under {@code limits[i]}. Runs on the
     * request's event loop: never blocks.
     */
    Decision decide(Limit[] limits, String[] keys);

    /** Whether limits are shared through Redis and it answers now; true for in-process limits. */
    default boolean shared() {
        return true;
    }

    @Override
    default void close() {}
}
