package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;
import java.util.List;

/** {@code random}: each node with probability proportional to its weight. */
public final class WeightedRandom implements Balancer {
    private final WeightedNodes nodes;

    public WeightedRandom(List<Node> nodes) {
        this.nodes = new WeightedNodes(nodes);
    }

    @Override
    public Node pick(PickRequest request, long nowNanos) {
        int i = nodes.draw(request.tried(), -1, nowNanos);
        return i < 0 ? null : nodes.nodes[i];
    }
}
