package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.PickRequest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code hash(header:X)}, {@code hash(cookie:Y)}, {@code hash(ip)}: consistent hashing on a ring
 * with virtual nodes (points in proportion to weight), so the same key reaches the same node and a
 * node joining or leaving moves only about 1/N of the keys. Bounded load (Mirrokni et al.): a node
 * already carrying more than {@link #LOAD_FACTOR} times its share of the requests in flight passes
 * the key on to the next node on the ring, so one hot key cannot bury one node. A request without
 * the key lands at a random point.
 */
public final class ConsistentHash implements Balancer {
    /** Where the key comes from. */
    public enum Source { HEADER, COOKIE, IP }

    /** A node may carry this many times its weighted share of the service's in-flight requests. */
    public static final double LOAD_FACTOR = 1.25;
    private static final int POINTS_PER_WEIGHT = 100;
    private static final int MAX_POINTS = 100_000;

    private final WeightedNodes nodes;
    private final Source source;
    private final String name;
    private final long[] ring;
    private final int[] owner;

    /** @param name the header or cookie name; ignored for {@link Source#IP} */
    public ConsistentHash(List<Node> nodes, Source source, String name) {
        this.nodes = new WeightedNodes(nodes);
        this.source = source;
        this.name = name;
        int perWeight = this.nodes.totalWeight == 0 ? 0
                : Math.max(1, Math.min(POINTS_PER_WEIGHT, MAX_POINTS / this.nodes.totalWeight));
        int count = perWeight * this.nodes.totalWeight;
        long[] points = new long[count];
        int p = 0;
        for (int i = 0; i < this.nodes.size(); i++) {
            // Points come from the node's identity, not its position: other nodes' points stay put
            // when one is added or removed.
            String id = this.nodes.nodes[i].key();
            for (int v = 0; v < perWeight * this.nodes.weight(i); v++) {
                points[p++] = hash(id + "#" + v) & ~0xFFFFL | i; // low bits carry the owner while sorting
            }
        }
        Arrays.sort(points);
        ring = new long[count];
        owner = new int[count];
        for (int k = 0; k < count; k++) {
            ring[k] = points[k] & ~0xFFFFL;
            owner[k] = (int) (points[k] & 0xFFFFL);
        }
    }

    @Override
    public Node pick(PickRequest request, long nowNanos) {
        if (ring.length == 0) return null;
        String key = switch (source) {
            case HEADER -> request.header(name);
            case COOKIE -> request.cookie(name);
            case IP -> request.clientIp();
        };
        long h = key == null ? ThreadLocalRandom.current().nextLong() : hash(key) & ~0xFFFFL;
        long tried = request.tried();
        // The bound: the service's in-flight requests (plus this one) shared by weight among eligible nodes.
        long inFlight = 0;
        int weight = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (WeightedNodes.eligible(nodes.nodes[i], i, tried, nowNanos)) {
                inFlight += nodes.nodes[i].inFlight();
                weight += nodes.weight(i);
            }
        }
        if (weight == 0) return null;
        double perWeight = LOAD_FACTOR * (inFlight + 1) / weight;
        int start = firstAtOrAfter(h);
        int fallback = -1;
        for (int k = 0; k < ring.length; k++) {
            int i = owner[(start + k) % ring.length];
            Node n = nodes.nodes[i];
            if (!WeightedNodes.eligible(n, i, tried, nowNanos)) continue;
            if (fallback < 0) fallback = i;
            if (n.inFlight() + 1 <= Math.ceil(perWeight * nodes.weight(i))) return n;
        }
        return fallback < 0 ? null : nodes.nodes[fallback];
    }

    private int firstAtOrAfter(long h) {
        int i = Arrays.binarySearch(ring, h);
        if (i < 0) i = -i - 1;
        return i == ring.length ? 0 : i;
    }

    /** FNV-1a over the chars, then MurmurHash3's finaliser so nearby keys land far apart. No allocation. */
    static long hash(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
