package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;
import java.util.List;

/**
 * {@code least-request}: the power of two choices. Two nodes are drawn by weight and the one with
 * fewer requests in flight per unit of weight wins; with every node idle the draw alone decides, so
 * traffic follows the weights at any load, and a node that answers slowly piles up requests and
 * loses most contests.
 */
public final class LeastRequest implements Balancer {
    private final WeightedNodes nodes;

    public LeastRequest(List<Node> nodes) {
        this.nodes = new WeightedNodes(nodes);
    }

    @Override
    public Node pick(PickRequest request, long nowNanos) {
        long tried = request.tried();
        int a = nodes.draw(tried, -1, nowNanos);
        if (a < 0) return null;
        int b = nodes.draw(tried, a, nowNanos);
        if (b < 0) return nodes.nodes[a];
        // inFlight(a)/w(a) <= inFlight(b)/w(b), cross-multiplied: no division, no double
        long la = nodes.nodes[a].inFlight() * nodes.weight(b);
        long lb = nodes.nodes[b].inFlight() * nodes.weight(a);
        return nodes.nodes[la <= lb ? a : b];
    }
}
