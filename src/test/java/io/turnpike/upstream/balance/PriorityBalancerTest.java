package io.turnpike.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.upstream.Node;
import io.turnpike.upstream.TestNodes;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriorityBalancerTest {
    private static final long MS = 1_000_000L;

    /** Three measured nodes: n0 5 ms, n1 8 ms, n2 50 ms. */
    private static List<Node> measured(long now) {
        List<Node> nodes = TestNodes.weighted(1, 1, 1);
        TestNodes.served(nodes.get(0), 5 * MS, now);
        TestNodes.served(nodes.get(1), 8 * MS, now);
        TestNodes.served(nodes.get(2), 50 * MS, now);
        return nodes;
    }

    @Test
    void highPriorityGoesToTheFastestNodeUpToItsShareCap() {
        long now = 100_000 * MS;
        List<Node> nodes = measured(now);
        PriorityBalancer b = new PriorityBalancer(new RoundRobin(nodes), nodes, 2.0);
        Map<Node, Integer> c = new IdentityHashMap<>();
        int picks = 3000;
        for (int i = 0; i < picks; i++) {
            now += MS; // 1000 calls a second
            c.merge(b.pick(Picks.HIGH, now), 1, Integer::sum);
        }
        // The fastest takes its cap, 2x a fair third; the next fastest the rest; the slow node at most
        // a probe while the first few calls make every share look large.
        assertThat(c.get(nodes.get(0)) / (double) picks).isBetween(0.62, 0.67);
        assertThat(c.get(nodes.get(1)) / (double) picks).isBetween(0.33, 0.38);
        assertThat(c.getOrDefault(nodes.get(2), 0)).isLessThanOrEqualTo(2);
    }

    @Test
    void aTighterCapSpreadsHighPriorityWider() {
        long now = 100_000 * MS;
        List<Node> nodes = measured(now);
        PriorityBalancer b = new PriorityBalancer(new RoundRobin(nodes), nodes, 1.2);
        Map<Node, Integer> c = new IdentityHashMap<>();
        for (int i = 0; i < 3000; i++) {
            now += MS;
            c.merge(b.pick(Picks.HIGH, now), 1, Integer::sum);
        }
        assertThat(c.get(nodes.get(0)) / 3000.0).isBetween(0.36, 0.41); // at most 1.2 x 1/3
        assertThat(c.get(nodes.get(2))).isPositive(); // the slow node is probed too
    }

    @Test
    void normalCallsLeanAwayFromTheNodesHighPriorityUses() {
        long now = 100_000 * MS;
        List<Node> nodes = measured(now);
        PriorityBalancer b = new PriorityBalancer(new WeightedRandom(nodes), nodes, 2.0);
        Map<Node, Integer> c = new IdentityHashMap<>();
        for (int i = 0; i < 6000; i++) {
            now += MS;
            b.pick(Picks.HIGH, now);
            c.merge(b.pick(Picks.NORMAL, now), 1, Integer::sum);
        }
        // Random alone gives each a third; n0 carries two thirds of the high-priority calls.
        assertThat(c.get(nodes.get(0)) / 6000.0).isLessThan(0.2);
        assertThat(c.get(nodes.get(2)) / 6000.0).isGreaterThan(0.4);
    }

    @Test
    void withoutHighPriorityTrafficNormalCallsAreTheBalancersAlone() {
        List<Node> nodes = measured(0);
        PriorityBalancer b = new PriorityBalancer(new RoundRobin(nodes), nodes, 2.0);
        StringBuilder seq = new StringBuilder();
        for (int i = 0; i < 6; i++) seq.append(nodes.indexOf(b.pick(Picks.NORMAL, i)));
        assertThat(seq.toString()).isEqualTo("012012");
    }

    @Test
    void unmeasuredNodesShareTheFirstHighPriorityCalls() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1);
        PriorityBalancer b = new PriorityBalancer(new RoundRobin(nodes), nodes, 2.0);
        Map<Node, Integer> c = new IdentityHashMap<>();
        for (int i = 0; i < 300; i++) c.merge(b.pick(Picks.HIGH, i * MS), 1, Integer::sum);
        assertThat(c).hasSize(3);
    }
}
