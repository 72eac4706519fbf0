package io.turnpike.upstream.balance;

import io.turnpike.upstream.Node;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A service's nodes with their weights, fixed for one config: the weighted random draw the
 * balancers share, skipping nodes that are unavailable or already tried for the request.
 */
final class WeightedNodes {
    final Node[] nodes;
    private final int[] weights;
    /** cumulative[i] = weights[0..i] summed: a draw is a binary search. */
    private final int[] cumulative;
    final int totalWeight;

    WeightedNodes(List<Node> list) {
        nodes = list.toArray(Node[]::new);
        weights = new int[nodes.length];
        cumulative = new int[nodes.length];
        int sum = 0;
        for (int i = 0; i < nodes.length; i++) {
            weights[i] = Math.max(1, nodes[i].weight());
            sum += weights[i];
            cumulative[i] = sum;
        }
        totalWeight = sum;
    }

    int size() { return nodes.length; }
    int weight(int i) { return weights[i]; }

    /**
     * May take this request now. A node already tried is never offered again: the exchange treats
     * "none left" as the end of its tries, so offering a tried node would retry it without end.
     */
    static boolean eligible(Node node, int i, long tried, long nowNanos) {
        return (i >= 64 || (tried & (1L << i)) == 0) && node.available(nowNanos);
    }

    /** A random eligible node index, by weight, other than {@code exclude} (-1 for none); -1 if there is none. */
    int draw(long tried, int exclude, long nowNanos) {
        if (nodes.length == 0) return -1;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        // Most of the time every node is eligible: a couple of plain draws settle it.
        for (int attempt = 0; attempt < 2; attempt++) {
            int i = indexOf(rnd.nextInt(totalWeight));
            if (i != exclude && eligible(nodes[i], i, tried, nowNanos)) return i;
        }
        int sum = 0;
        for (int i = 0; i < nodes.length; i++) {
            if (i != exclude && eligible(nodes[i], i, tried, nowNanos)) sum += weights[i];
        }
        if (sum == 0) return -1;
        int r = rnd.nextInt(sum);
        for (int i = 0; i < nodes.length; i++) {
            if (i != exclude && eligible(nodes[i], i, tried, nowNanos)) {
                r -= weights[i];
                if (r < 0) return i;
            }
        }
        return -1; // unreachable unless availability changed mid-scan
    }

    private int indexOf(int point) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > point) hi = mid; else lo = mid + 1;
        }
        return lo;
    }
}
