package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;
import java.util.List;

/**
 * {@code peak-ewma}: the power of two choices over latency × (in flight + 1) per unit of weight,
 * where latency is the node's peak-sensitive moving average (see
 * {@link io.turnpike.upstream.NodeStats#latencyCost}). A slow node's cost jumps on its first slow
 * answer, so it loses at once; while it is left alone its estimate sinks, so it gets probed again.
 */
public final class PeakEwma implements Balancer {
    /** A node never measured but already busy: treated as worse than any measured one (Finagle's rule). */
    private static final double UNMEASURED_BUSY = 1e300;

    private final WeightedNodes nodes;

    public PeakEwma(List<Node> nodes) {
        this.nodes = new WeightedNodes(nodes);
    }

    @Override
    public Node pick(PickRequest request, long nowNanos) {
        long tried = request.tried();
        int a = nodes.draw(tried, -1, nowNanos);
        if (a < 0) return null;
        int b = nodes.draw(tried, a, nowNanos);
        if (b < 0) return nodes.nodes[a];
        return nodes.nodes[load(a, nowNanos) <= load(b, nowNanos) ? a : b];
    }

    private double load(int i, long nowNanos) {
        return expectedLatency(nodes.nodes[i], nowNanos) / nodes.weight(i);
    }

    /** What a call sent now may expect: latency × (in flight + 1). */
    static double expectedLatency(Node n, long nowNanos) {
        double cost = latency(n, nowNanos);
        return cost >= UNMEASURED_BUSY ? cost : cost * (n.inFlight() + 1);
    }

    /**
     * A node's latency estimate for comparisons. Never measured: free while idle (so it gets
     * measured), untouchable while its first calls run (else an unknown slow node draws a flood).
     */
    static double latency(Node n, long nowNanos) {
        double cost = n.stats().latencyCost(nowNanos);
        if (cost > 0) return cost;
        long inFlight = n.inFlight();
        return inFlight == 0 ? 0 : UNMEASURED_BUSY + inFlight;
    }
}
