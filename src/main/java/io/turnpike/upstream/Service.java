package io.turnpike.upstream;

import io.turnpike.config.NodeSpec;
import io.turnpike.config.ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A backend service as the running gateway sees it: live nodes, a balancer, timeouts. */
public final class Service {
    /** Retries a service may make beyond its share after a quiet spell. */
    static final int RETRY_BURST = 100;

    private final String id;
    private final List<Node> nodes;
    private final Balancer balancer;
    private final ServiceSpec.Timeouts timeouts;
    private final ServiceSpec.Pool pool;
    private final ServiceGuard guard;
    private final RetryBudget retryBudget;
    private final ServiceSpec.Retries retries;
    /** {@code retries.on}'s statuses, a bit each. */
    private final long[] retryStatusBits;
    private final ServiceTls tls;

    private Service(String id, List<Node> nodes, ServiceSpec.Timeouts timeouts, ServiceSpec.Pool pool,
                    Balancer.Factory balancers, ServiceSpec spec, ServiceSpec.Priority priority, ServiceSpec.Retries retries,
                    ServiceTls tls) {
        this.id = id;
        this.tls = tls;
        this.nodes = List.copyOf(nodes);
        ServiceSpec.Priority p = priority == null ? ServiceSpec.Priority.DEFAULT : priority;
        this.balancer = balancers.create(spec, this.nodes);
        this.guard = new ServiceGuard(new ServiceBreaker(), new LoadShedder(p.maxInFlight()));
        this.timeouts = timeouts;
        this.pool = pool;
        this.retries = retries;
        long[] bits = new long[16]; // statuses 0-1023: an answer's status has three digits
        for (int status : retries.onStatuses()) {
            if (status >= 0 && status < 1024) bits[status >>> 6] |= 1L << status;
        }
        this.retryStatusBits = bits;
        // The burst covers the requests in flight on a node that dies at once (dozens at 64
        // connections); the share bounds what a lasting outage can add.
        this.retryBudget = new RetryBudget(retries.budget(), RETRY_BURST);
    }

    /**
     * Builds the service for a new config, reusing the nodes of {@code previous} that are still
     * listed (same {@code host:port}) so their statistics carry over; {@code balancers} makes its
     * balancer (upstream.balance's, passed in so upstream never imports its implementations).
     */
    public static Service build(ServiceSpec spec, Service previous, Balancer.Factory balancers) {
        Map<String, Node> old = new java.util.HashMap<>();
        if (previous != null) {
            for (Node n : previous.nodes) old.put(n.key(), n);
        }
        ServiceTls tls = ServiceTls.build(spec, previous == null ? null : previous.tls);
        List<Node> nodes = new ArrayList<>();
        for (NodeSpec ns : spec.nodes()) {
            Node n = old.get(ns.key());
            if (n == null) n = new Node(spec.id(), ns);
            n.update(ns, tls, spec.protocol(), spec.http2());
            nodes.add(n);
        }
        Service service = new Service(spec.id(), nodes, spec.timeouts(), spec.pool(), balancers, spec, spec.priority(),
                spec.retries(), tls);
        // Breakers and health carry over with the nodes; the service's breaker moves to the new service.
        service.guard.breaker().adopt(previous == null ? null : previous.guard.breaker(), spec);
        EjectionCap cap = spec.outlierDetection() == null ? null
                : new EjectionCap(nodes.stream().map(Node::health).toList(), spec.outlierDetection().maxEjected());
        for (Node n : nodes) n.health().configure(n, spec, cap);
        return service;
    }

    public String id() { return id; }
    public List<Node> nodes() { return nodes; }
    public Balancer balancer() { return balancer; }
    /** TLS to the nodes, or null for a plaintext service. */
    public ServiceTls tls() { return tls; }

    /** Position of a node in {@link #nodes()} (the bit a request's tried mask uses), or -1. */
    public int indexOf(Node node) {
        return nodes.indexOf(node);
    }
    public ServiceSpec.Timeouts timeouts() { return timeouts; }
    public ServiceSpec.Pool pool() { return pool; }
    /** When and how failed tries are retried. */
    public ServiceSpec.Retries retries() { return retries; }

    /**
     * A response with this status is retried ({@code retries.on}). Asked of every response: a bit
     * per status, not a boxed lookup in the configured set.
     */
    public boolean retriesOnStatus(int status) {
        if (status < 0 || status >= 1024) return retries.onStatuses().contains(status);
        return (retryStatusBits[status >>> 6] & (1L << status)) != 0;
    }

    /** Keeps retries to a share of the service's requests. */
    public RetryBudget retryBudget() { return retryBudget; }

    /** The service-wide gate: breaker and load shedding. */
    public ServiceGuard guard() { return guard; }
}
