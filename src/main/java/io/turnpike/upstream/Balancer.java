package io.turnpike.upstream;

/** Picks the node for one attempt of one request. Implementations are shared across event loops. */
public interface Balancer {
    /**
     * @return a node that is {@link Node#available available} and not yet tried for this request
     *         (a tried one only when no other is left), or null when none is available
     */
    Node pick(PickRequest request, long nowNanos);
}
