package io.turnpike.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.breaker.Outcome;
import io.turnpike.upstream.TestNodes;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** How the balancers spread calls: weights, load, latency, and the nodes a request already tried. */
class BalancerSpreadTest {
    private static final long MS = 1_000_000L;

    private static Map<Node, Integer> count(Balancer b, int picks) {
        Map<Node, Integer> out = new IdentityHashMap<>();
        for (int i = 0; i < picks; i++) out.merge(b.pick(Picks.NORMAL, 0), 1, Integer::sum);
        return out;
    }

    private static double share(Map<Node, Integer> counts, Node n, int picks) {
        return counts.getOrDefault(n, 0) / (double) picks;
    }

    @Test
    void weightedRandomFollowsTheWeights() {
        List<Node> nodes = TestNodes.weighted(3, 1, 1);
        Map<Node, Integer> c = count(new WeightedRandom(nodes), 50_000);
        // 3:1:1 is 60/20/20; 50k draws put each share within a percent of it (> 6 sigma).
        assertThat(share(c, nodes.get(0), 50_000)).isBetween(0.59, 0.61);
        assertThat(share(c, nodes.get(1), 50_000)).isBetween(0.19, 0.21);
        assertThat(share(c, nodes.get(2), 50_000)).isBetween(0.19, 0.21);
    }

    /**
     * A closed loop of 30 requests in flight; each step one random in-flight request ends and a new
     * one is picked. Requests end uniformly, so a node's traffic follows its share of in-flight work.
     */
    @Test
    void leastRequestFollowsTheWeightsUnderLoad() {
        List<Node> nodes = TestNodes.weighted(2, 1, 1);
        Balancer b = new LeastRequest(nodes);
        Random rnd = new Random(7);
        List<Node> running = new ArrayList<>();
        Map<Node, Integer> c = new IdentityHashMap<>();
        int steps = 40_000;
        for (int i = 0; i < steps + 30; i++) {
            if (running.size() == 30) {
                Node done = running.remove(rnd.nextInt(running.size()));
                done.stats().onEnd(Outcome.SUCCESS, MS, MS, 0);
            }
            Node n = b.pick(Picks.NORMAL, 0);
            n.stats().onStart(0);
            running.add(n);
            if (i >= 30) c.merge(n, 1, Integer::sum);
        }
        assertThat(share(c, nodes.get(0), steps)).isBetween(0.46, 0.54);
        assertThat(share(c, nodes.get(1), steps)).isBetween(0.22, 0.28);
        assertThat(share(c, nodes.get(2), steps)).isBetween(0.22, 0.28);
    }

    @Test
    void leastRequestAvoidsTheBusiestNode() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1);
        for (int i = 0; i < 50; i++) nodes.get(0).stats().onStart(0);
        Map<Node, Integer> c = count(new LeastRequest(nodes), 3000);
        // With two choices the busy node wins only when drawn twice, which the draw excludes.
        assertThat(c.getOrDefault(nodes.get(0), 0)).isZero();
    }

    /**
     * Requests in flight end in order of their deadline; a node answers in its latency. The slow
     * node, 10x slower, gets clearly less than a third of the calls under peak-ewma and least-request.
     */
    @Test
    void latencyAwareBalancersSendLessToASlowNode() {
        for (String name : List.of("least-request", "peak-ewma")) {
            List<Node> nodes = TestNodes.weighted(1, 1, 1);
            long[] latency = {5 * MS, 5 * MS, 50 * MS};
            Balancer b = Balancers.create(name, nodes);
            record Call(Node node, long end, long start) {}
            java.util.PriorityQueue<Call> running = new java.util.PriorityQueue<>(
                    java.util.Comparator.comparingLong(Call::end));
            Map<Node, Integer> c = new IdentityHashMap<>();
            long now = 1_000_000 * MS;
            for (int i = 0; i < 20_000; i++) {
                if (running.size() == 16) {
                    Call done = running.poll();
                    now = done.end;
                    long took = done.end - done.start;
                    done.node.stats().onEnd(Outcome.SUCCESS, took, took, now);
                }
                Node n = b.pick(Picks.NORMAL, now);
                n.stats().onStart(now);
                running.add(new Call(n, now + latency[nodes.indexOf(n)], now));
                c.merge(n, 1, Integer::sum);
            }
            assertThat(share(c, nodes.get(2), 20_000)).as(name).isLessThan(0.12);
        }
    }

    @Test
    void peakEwmaLeavesAnUnmeasuredNodeAloneWhileItsFirstCallsRun() {
        List<Node> nodes = TestNodes.weighted(1, 1);
        TestNodes.served(nodes.get(0), 5 * MS, 10 * MS);
        nodes.get(1).stats().onStart(10 * MS); // first call, no answer yet
        Map<Node, Integer> c = count(new PeakEwma(nodes), 200);
        assertThat(c.getOrDefault(nodes.get(1), 0)).isZero();
    }

    @Test
    void roundRobinKeepsSmoothWeights() {
        List<Node> nodes = TestNodes.weighted(5, 1, 1);
        Balancer b = new RoundRobin(nodes);
        StringBuilder seq = new StringBuilder();
        for (int i = 0; i < 7; i++) seq.append(nodes.indexOf(b.pick(Picks.NORMAL, 0)));
        assertThat(seq.toString()).isEqualTo("0010200");
    }

    @Property(tries = 200)
    void noBalancerOffersANodeTheRequestAlreadyTried(
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 1, max = 5) Integer> weights,
            @ForAll @IntRange(min = 0, max = 63) int triedBits,
            @ForAll("names") String name) {
        List<Node> nodes = TestNodes.weighted(weights.stream().mapToInt(Integer::intValue).toArray());
        long tried = triedBits & ((1L << nodes.size()) - 1);
        Balancer b = new PriorityBalancer(Balancers.create(name, nodes), nodes, 2.0);
        for (boolean high : new boolean[] {false, true}) {
            for (int i = 0; i < 20; i++) {
                Node n = b.pick(new Picks(tried, high, Map.of("X-User", "u" + i), Map.of(), "10.0.0." + i), 0);
                if (Long.bitCount(tried) == nodes.size()) {
                    assertThat(n).isNull();
                } else {
                    assertThat(n).isNotNull();
                    assertThat(tried & (1L << nodes.indexOf(n))).isZero();
                }
            }
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> names() {
        return net.jqwik.api.Arbitraries.of("round-robin", "random", "least-request", "peak-ewma",
                "hash(header:X-User)", "hash(cookie:s)", "hash(ip)");
    }

    @Test
    void anEmptyServiceHasNothingToPick() {
        for (String name : List.of("round-robin", "random", "least-request", "peak-ewma", "hash(ip)")) {
            assertThat(Balancers.create(name, List.of()).pick(Picks.NORMAL, 0)).as(name).isNull();
        }
        assertThat(new PriorityBalancer(new RoundRobin(List.of()), List.of(), 2).pick(Picks.HIGH, 0)).isNull();
    }

}
