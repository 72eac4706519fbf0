package io.turnpike.upstream;

/** Picks the node for one attempt of one request. Implementations are shared across event loops. */
public interface Balancer {
    /**
     * @param tried bit i set = node i was already tried for this request (skip it when others remain)
     * @return a node, or null when every node has been tried
     */
    Node pick(long tried);
}
