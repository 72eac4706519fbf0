package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round-robin (as nginx does it): weights 5,1,1 give a a b a c a a rather than
 * a a a a a b c. The sequence is computed once per config, so a pick is one atomic increment.
 */
public final class RoundRobin implements Balancer {
    private static final int MAX_SEQUENCE = 4096;

    private final Node[] nodes;
    private final int[] sequence;
    private final AtomicLong cursor = new AtomicLong();

    public RoundRobin(List<Node> nodes) {
        this.nodes = nodes.toArray(Node[]::new);
        this.sequence = smoothSequence(this.nodes);
    }

    static int[] smoothSequence(Node[] nodes) {
        int n = nodes.length;
        int[] weights = new int[n];
        int g = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.max(1, nodes[i].weight());
            g = gcd(g, weights[i]);
        }
        int total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= g;
            total += weights[i];
        }
        int length = Math.min(total, MAX_SEQUENCE);
        int[] current = new int[n];
        List<Integer> seq = new ArrayList<>(length);
        for (int step = 0; step < length; step++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) best = i;
            }
            current[best] -= total;
            seq.add(best);
        }
        return seq.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    @Override
    public Node pick(PickRequest request, long nowNanos) {
        if (nodes.length == 0) return null;
        long tried = request.tried();
        long start = cursor.getAndIncrement();
        for (int k = 0; k < sequence.length; k++) {
            int i = sequence[(int) ((start + k) % sequence.length)];
            if (WeightedNodes.eligible(nodes[i], i, tried, nowNanos)) {
                return nodes[i];
            }
        }
        return null;
    }
}
