package io.turnpike.upstream;

import io.netty.bootstrap.Bootstrap;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.config.NodeSpec;
import java.util.ArrayList;
import java.util.List;

/** Nodes for balancer unit tests: no sockets, stats driven by hand. */
public final class TestNodes {
    private TestNodes() {}

    public static Node node(String name, int weight) {
        int port = 10_000 + Math.floorMod(name.hashCode(), 50_000);
        return new Node("svc", new NodeSpec("http://127.0.0.1:" + port, "127.0.0.1", port, weight));
    }

    /** A node of service "svc" at 127.0.0.1:{@code port} (a real server there, for probes). */
    public static Node at(int port) {
        return new Node("svc", new NodeSpec("http://127.0.0.1:" + port, "127.0.0.1", port, 1));
    }

    /** Nodes n0..n(k-1) with the given weights. */
    public static List<Node> weighted(int... weights) {
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) out.add(node("n" + i, weights[i]));
        return out;
    }

    /** One whole attempt at the node: it answers after {@code latencyNanos}, ending at {@code nowNanos}. */
    public static void served(Node node, long latencyNanos, long nowNanos) {
        node.stats().onStart(nowNanos - latencyNanos);
        node.stats().onEnd(Outcome.SUCCESS, latencyNanos, latencyNanos, nowNanos);
    }

    /** A pool that never connects: handler tests lend and return channels they made themselves. */
    public static NodePool pool(Node node) {
        return new NodePool(null, new Bootstrap(), node);
    }
}
