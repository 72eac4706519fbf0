package io.turnpike.server;

import io.turnpike.config.GatewayConfig;
import java.time.Duration;

/**
 * A running gateway: the traffic listener and everything behind it.
 * {@link #apply} swaps the config atomically; requests in flight finish on the one they started with.
 */
public final class Gateway implements AutoCloseable {
    private Gateway() {}

    /** Binds the listener of {@code config.server()} and starts serving. */
    public static Gateway start(GatewayConfig config) throws InterruptedException {
        throw new UnsupportedOperationException("contract stub");
    }

    /** The bound traffic port (useful when the config says port 0). */
    public int port() {
        throw new UnsupportedOperationException("contract stub");
    }

    /** Replaces the running config. Listener settings (host, port, event loops) need a restart. */
    public void apply(GatewayConfig config) {
        throw new UnsupportedOperationException("contract stub");
    }

    /** Stops accepting, lets requests in flight finish for up to {@code drain}, then closes. */
    public void shutdown(Duration drain) {
        throw new UnsupportedOperationException("contract stub");
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
