package io.turnpike.upstream;

import io.turnpike.upstream.NodeHealth;
import java.util.List;

/**
 * A service's limit on passive ejection: at most {@code maxEjected} of its nodes out at once, so
 * outlier detection can never empty a service by itself. Made per snapshot.
 */
public final class EjectionCap {
    private final List<NodeHealth> members;
    private final int max;

    public EjectionCap(List<NodeHealth> members, double maxEjected) {
        this.members = List.copyOf(members);
        // floor: 50% of one node is none, so a lone node is left to its breaker, never ejected
        this.max = (int) Math.floor(maxEjected * members.size() + 1e-9);
    }

    /** The most nodes that may be ejected at once. */
    public int max() { return max; }

    /**
     * Whether one more node may be ejected now. Counting runs only when a node is about to be
     * ejected (rare); two nodes racing past the count may overshoot by one, which is harmless.
     */
    public boolean allows(long now) {
        int out = 0;
        for (NodeHealth h : members) {
            if (h.ejected(now)) out++;
        }
        return out < max;
    }
}
