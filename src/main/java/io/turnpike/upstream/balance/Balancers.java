package io.turnpike.upstream.balance;

import io.turnpike.upstream.Balancer;
import io.turnpike.upstream.Node;
import java.util.List;

/** Builds the balancer a {@code loadBalancer:} name stands for (the config binder has checked the name). */
public final class Balancers {
    private Balancers() {}

    /** A service's balancer: its {@code loadBalancer:} behind its {@code priority:} share (a {@link Balancer.Factory}). */
    public static Balancer forService(io.turnpike.config.ServiceSpec spec, List<Node> nodes) {
        io.turnpike.config.ServiceSpec.Priority p = spec.priority() == null ? io.turnpike.config.ServiceSpec.Priority.DEFAULT
                : spec.priority();
        return new PriorityBalancer(create(spec.loadBalancer(), nodes), nodes, p.maxShare());
    }

    /**
     * @param name {@code round-robin}, {@code random}, {@code least-request}, {@code peak-ewma},
     *             {@code hash(header:X)}, {@code hash(cookie:Y)} or {@code hash(ip)}
     */
    public static Balancer create(String name, List<Node> nodes) {
        String n = name == null ? "round-robin" : name.strip();
        switch (n) {
            case "round-robin": return new RoundRobin(nodes);
            case "random": return new WeightedRandom(nodes);
            case "least-request": return new LeastRequest(nodes);
            case "peak-ewma": return new PeakEwma(nodes);
            case "hash(ip)": return new ConsistentHash(nodes, ConsistentHash.Source.IP, null);
            default: break;
        }
        if (n.startsWith("hash(header:") && n.endsWith(")")) {
            return new ConsistentHash(nodes, ConsistentHash.Source.HEADER, n.substring(12, n.length() - 1).strip());
        }
        if (n.startsWith("hash(cookie:") && n.endsWith(")")) {
            return new ConsistentHash(nodes, ConsistentHash.Source.COOKIE, n.substring(12, n.length() - 1).strip());
        }
        throw new IllegalArgumentException("loadBalancer: \"" + name + "\" (expected: round-robin, random, "
                + "least-request, peak-ewma, hash(header:NAME), hash(cookie:NAME) or hash(ip))");
    }
}
