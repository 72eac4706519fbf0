package io.turnpike.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.upstream.Node;
import io.turnpike.upstream.TestNodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistentHashTest {
    private static final int KEYS = 20_000;

    private static Map<String, Node> assign(ConsistentHash b) {
        Map<String, Node> out = new HashMap<>();
        for (int k = 0; k < KEYS; k++) out.put("user-" + k, b.pick(Picks.header("X-User", "user-" + k), 0));
        return out;
    }

    private static ConsistentHash byUser(List<Node> nodes) {
        return new ConsistentHash(nodes, ConsistentHash.Source.HEADER, "X-User");
    }

    @Test
    void theSameKeyAlwaysReachesTheSameNode() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1, 1);
        ConsistentHash b = byUser(nodes);
        Map<String, Node> first = assign(b);
        assertThat(assign(b)).isEqualTo(first);
        assertThat(assign(byUser(new ArrayList<>(nodes)))).isEqualTo(first); // a reload builds the same ring
        Map<Node, Integer> spread = new IdentityHashMap<>();
        first.values().forEach(n -> spread.merge(n, 1, Integer::sum));
        // 100 points per node keep each node's share of keys near a quarter.
        spread.values().forEach(c -> assertThat(c / (double) KEYS).isBetween(0.17, 0.33));
    }

    @Test
    void removingOneOfTenNodesMovesOnlyItsKeys() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        Map<String, Node> before = assign(byUser(nodes));
        Node gone = nodes.get(3);
        List<Node> rest = new ArrayList<>(nodes);
        rest.remove(gone);
        Map<String, Node> after = assign(byUser(rest));
        int moved = 0;
        for (var e : before.entrySet()) {
            if (e.getValue() != after.get(e.getKey())) {
                moved++;
                assertThat(e.getValue()).as("only keys of the removed node move").isSameAs(gone);
            }
        }
        assertThat(moved / (double) KEYS).isBetween(0.05, 0.15); // about 1/N
        // And adding it back moves those same keys home again.
        assertThat(assign(byUser(nodes))).isEqualTo(before);
    }

    @Test
    void weightsBuyKeys() {
        List<Node> nodes = TestNodes.weighted(3, 1);
        Map<Node, Integer> spread = new IdentityHashMap<>();
        assign(byUser(nodes)).values().forEach(n -> spread.merge(n, 1, Integer::sum));
        assertThat(spread.get(nodes.get(0)) / (double) KEYS).isBetween(0.68, 0.82);
    }

    @Test
    void aNodeOverItsBoundPassesTheKeyOn() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1);
        ConsistentHash b = byUser(nodes);
        Node home = b.pick(Picks.header("X-User", "hot"), 0);
        // 9 in flight: a node may carry ceil(1.25 * 10 / 3) = 5 with this call; the home node holds 5.
        for (int i = 0; i < 5; i++) home.stats().onStart(0);
        for (Node n : nodes) {
            if (n != home) for (int i = 0; i < 2; i++) n.stats().onStart(0);
        }
        Node next = b.pick(Picks.header("X-User", "hot"), 0);
        assertThat(next).isNotSameAs(home);
        assertThat(b.pick(Picks.header("X-User", "hot"), 0)).as("stable while the load stays").isSameAs(next);
        // Two done: 3 of 7 in flight, and ceil(1.25 * 8 / 3) = 4 leaves room for this call.
        home.stats().onEnd(io.turnpike.upstream.breaker.Outcome.SUCCESS, 1, 1, 0);
        home.stats().onEnd(io.turnpike.upstream.breaker.Outcome.SUCCESS, 1, 1, 0);
        assertThat(b.pick(Picks.header("X-User", "hot"), 0)).as("home again once under the bound").isSameAs(home);
    }

    @Test
    void aTriedNodePassesTheKeyToTheNextOnTheRing() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1);
        ConsistentHash b = byUser(nodes);
        Node home = b.pick(Picks.header("X-User", "k"), 0);
        long tried = 1L << nodes.indexOf(home);
        Node retry = b.pick(new Picks(tried, false, Map.of("X-User", "k"), Map.of(), "ip"), 0);
        assertThat(retry).isNotNull().isNotSameAs(home);
    }

    @Test
    void cookieAndIpKeysWork() {
        List<Node> nodes = TestNodes.weighted(1, 1, 1);
        var byCookie = new ConsistentHash(nodes, ConsistentHash.Source.COOKIE, "session");
        var byIp = new ConsistentHash(nodes, ConsistentHash.Source.IP, null);
        Picks a = new Picks(0, false, Map.of(), Map.of("session", "abc"), "10.1.2.3");
        Node c = byCookie.pick(a, 0);
        Node i = byIp.pick(a, 0);
        for (int k = 0; k < 50; k++) {
            assertThat(byCookie.pick(a, 0)).isSameAs(c);
            assertThat(byIp.pick(a, 0)).isSameAs(i);
        }
        // No key: a random point, so keyless calls still spread.
        Map<Node, Integer> spread = new IdentityHashMap<>();
        for (int k = 0; k < 3000; k++) spread.merge(byCookie.pick(Picks.NORMAL, 0), 1, Integer::sum);
        assertThat(spread).hasSize(3);
    }
}
