package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts {@code priority: high} routes in front of the service's own balancer. A high-priority call
 * goes to the node with the lowest latency estimate whose recent share of high-priority calls is
 * within {@code maxShare} times its fair (weighted) share, so the fastest node is favoured but not
 * flooded and the next fastest keep being measured. A normal call asks the service's balancer and,
 * while high-priority traffic is flowing, takes a second opinion when the first choice carries more
 * than its share of that traffic, leaning away from the nodes the important calls use. Hash
 * balancers keep their affinity: no second opinion there.
 */
public final class PriorityBalancer implements Balancer {
    /** After this long without high-priority calls, normal calls stop looking at their share. */
    private static final long HIGH_TRAFFIC_MEMORY_NANOS = 3_000_000_000L;

    private final Balancer normal;
    private final WeightedNodes nodes;
    private final double maxShare;
    private final boolean leanAway;
    private volatile long lastHighNanos;
    private volatile boolean anyHigh;

    public PriorityBalancer(Balancer normal, List<Node> nodes, double maxShare) {
        this.normal = normal;
        this.nodes = new WeightedNodes(nodes);
        this.maxShare = maxShare;
        this.leanAway = !(normal instanceof ConsistentHash);
    }

    /** The service's own balancer, for normal-priority calls. */
    public Balancer normal() { return normal; }

    @Override
    public Node pick(PickRequest request, long nowNanos) {
        if (request.highPriority()) return pickHigh(request.tried(), nowNanos);
        Node first = normal.pick(request, nowNanos);
        if (first == null || !leanAway || !anyHigh || nowNanos - lastHighNanos > HIGH_TRAFFIC_MEMORY_NANOS) {
            return first;
        }
        Node second = normal.pick(request, nowNanos);
        if (second == null || second == first) return first;
        return excess(first, nowNanos) <= excess(second, nowNanos) ? first : second;
    }

    private Node pickHigh(long tried, long nowNanos) {
        int n = nodes.size();
        if (n == 0) return null;
        double total = 0;
        int weight = 0;
        for (int i = 0; i < n; i++) {
            if (WeightedNodes.eligible(nodes.nodes[i], i, tried, nowNanos)) {
                total += nodes.nodes[i].stats().highPriorityLoad(nowNanos);
                weight += nodes.weight(i);
            }
        }
        if (weight == 0) return null;
        // Scan from a random start so equal estimates (say, none measured yet) spread over the nodes.
        int start = ThreadLocalRandom.current().nextInt(n);
        int best = -1;
        int fastest = -1;
        double bestCost = Double.MAX_VALUE;
        double fastestCost = Double.MAX_VALUE;
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            Node node = nodes.nodes[i];
            if (!WeightedNodes.eligible(node, i, tried, nowNanos)) continue;
            double cost = PeakEwma.expectedLatency(node, nowNanos);
            if (cost < fastestCost) {
                fastestCost = cost;
                fastest = i;
            }
            // Its share if it takes this call too, against the cap on its fair share.
            double share = (node.stats().highPriorityLoad(nowNanos) + 1) / (total + 1);
            if (cost < bestCost && share <= maxShare * nodes.weight(i) / weight + 1e-9) {
                bestCost = cost;
                best = i;
            }
        }
        int chosen = best >= 0 ? best : fastest; // every node over its cap: the fastest still serves
        Node node = nodes.nodes[chosen];
        node.stats().onHighPriorityPick(nowNanos);
        if (!anyHigh) anyHigh = true;
        if (lastHighNanos != nowNanos) lastHighNanos = nowNanos;
        return node;
    }

    /** How far over its fair share of recent high-priority calls a node is (≤ 0 = within it). */
    private double excess(Node node, long nowNanos) {
        double total = 0;
        for (Node n : nodes.nodes) total += n.stats().highPriorityLoad(nowNanos);
        if (total == 0) return 0;
        int i = indexOf(node);
        double fair = i < 0 ? 0 : (double) nodes.weight(i) / nodes.totalWeight;
        return node.stats().highPriorityLoad(nowNanos) / total - fair;
    }

    private int indexOf(Node node) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.nodes[i] == node) return i;
        }
        return -1;
    }
}
