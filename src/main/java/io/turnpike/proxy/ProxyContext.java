package io.turnpike.proxy;

import io.turnpike.core.ExchangeObserver;
import io.turnpike.upstream.UpstreamPools;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every connection of one gateway shares: the current snapshot, the upstream pools, and the
 * shutdown state. Fields other than the snapshot are fixed at start.
 */
public final class ProxyContext {
    private volatile Snapshot snapshot;
    private volatile boolean draining;
    private UpstreamPools pools;
    private volatile ExchangeObserver observer = ExchangeObserver.NONE;
    private volatile boolean tracing;
    private final LongAdder inFlight = new LongAdder();
    private final LongAdder webSockets = new LongAdder();

    public ProxyContext(Snapshot initial) {
        this.snapshot = initial;
    }

    public Snapshot snapshot() { return snapshot; }
    public void snapshot(Snapshot s) { this.snapshot = s; }

    public UpstreamPools pools() { return pools; }
    public void pools(UpstreamPools p) { this.pools = p; }

    /** Who hears about every finished exchange (metrics, access log). */
    public ExchangeObserver observer() { return observer; }
    public void observer(ExchangeObserver o) { this.observer = o; }

    /** While on, exchanges record their upstream attempts for span export. */
    public boolean tracing() { return tracing; }
    public void tracing(boolean on) { this.tracing = on; }

    /** While draining, responses say {@code Connection: close} and idle connections are closed. */
    public boolean draining() { return draining; }
    public void startDraining() { this.draining = true; }

    /** Requests between their head arriving and their response finishing (or failing). */
    public long inFlight() { return inFlight.sum(); }
    void requestStarted() { inFlight.increment(); }
    void requestEnded() { inFlight.decrement(); }

    /** WebSocket tunnels open now (each a client connection and a node's). */
    public long webSockets() { return webSockets.sum(); }
    void webSocketOpened() {
        webSockets.increment();
        observer.onWebSocket(true);
    }
    void webSocketClosed() {
        webSockets.decrement();
        observer.onWebSocket(false);
    }
}
