package io.turnpike.upstream;

/** Picks the node for one attempt of one request. Implementations are shared across event loops. */
public interface Balancer {
    /**
     * @return a node that is {@link Node#available available} and not yet tried for this request,
     *         or null when none is left. A tried node is never offered again: the exchange reads
     *         null as the end of its tries and has no other bound on them yet.
     */
    Node pick(PickRequest request, long nowNanos);

    /** Makes a service's balancer over its nodes (the implementations live in upstream.balance). */
    @FunctionalInterface
    interface Factory {
        Balancer create(io.turnpike.config.ServiceSpec spec, java.util.List<Node> nodes);
    }
}
