package io.turnpike.core;

/**
 * Told about every exchange as it ends, on the exchange's event loop: it must not block or take a
 * contended lock; anything slow (writing a log line, exporting a span) goes to another thread.
 */
public interface ExchangeObserver {
    ExchangeObserver NONE = new ExchangeObserver() {
        @Override
        public void onEnd(ExchangeView exchange) {}
    };

    void onEnd(ExchangeView exchange);

    /** Tells both, in order. */
    static ExchangeObserver both(ExchangeObserver first, ExchangeObserver second) {
        return new ExchangeObserver() {
            @Override
            public void onEnd(ExchangeView exchange) {
                first.onEnd(exchange);
                second.onEnd(exchange);
            }

            @Override
            public void onRefused(Problems.Kind reason) {
                first.onRefused(reason);
                second.onRefused(reason);
            }

            @Override
            public void onSnapshot(SnapshotView snapshot) {
                first.onSnapshot(snapshot);
                second.onSnapshot(snapshot);
            }

            @Override
            public void onWebSocket(boolean opened) {
                first.onWebSocket(opened);
                second.onWebSocket(opened);
            }
        };
    }

    /** A connection-level refusal with no exchange behind it (header timeout, connection limit). */
    default void onRefused(Problems.Kind reason) {}

    /**
     * A snapshot starts serving: at start and after each reload, on the thread that applied it
     * (never an event loop). Lets per-node meters follow nodes joining and leaving.
     */
    default void onSnapshot(SnapshotView snapshot) {}

    /**
     * A WebSocket tunnel opened (its handshake's exchange has ended, status 101) or closed. On the
     * tunnel's event loop, like {@link #onEnd}.
     */
    default void onWebSocket(boolean opened) {}
}
