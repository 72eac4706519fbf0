package io.turnpike.core;

import io.turnpike.config.GatewayConfig;

/**
 * A compiled config as {@link ExchangeObserver#onSnapshot} sees it. The snapshot itself is built
 * at the top (server), where every feature's policies are wired; observers that need more than the
 * config read the gateway's own type there.
 */
public interface SnapshotView {
    GatewayConfig config();
}
