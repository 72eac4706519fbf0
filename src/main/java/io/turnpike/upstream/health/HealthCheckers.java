package io.turnpike.upstream.health;

import io.turnpike.config.ServiceSpec;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Every service's active health checks, owned by the gateway. {@link #apply} follows each new
 * config: it starts checks for new services, retargets kept ones, and stops the rest. Checks run
 * off the gateway's event loops: one scheduler thread, and one I/O loop of their own that speaks
 * HTTP/1.1 (over the service's TLS for https nodes).
 */
public final class HealthCheckers implements AutoCloseable {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("turnpike-health").daemon().factory());
    private final EventLoopGroup io = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("turnpike-health-io", true), NioIoHandler.newFactory());
    private final HealthProbe probe = new HealthProbe(io);
    private final Map<String, HealthChecker> running = new HashMap<>();
    private boolean closed;

    /** Follows a newly applied config. Called on the control thread that applies configs. */
    public synchronized void apply(Map<String, ServiceSpec> specs, Map<String, Service> services) {
        if (closed) return;
        Set<Node> checked = new HashSet<>();
        Set<Node> before = new HashSet<>();
        running.values().forEach(c -> before.addAll(c.targets()));
        Map<String, HealthChecker> next = new HashMap<>();
        for (Service s : services.values()) {
            ServiceSpec spec = specs.get(s.id());
            if (spec == null || spec.healthCheck() == null) continue;
            HealthChecker c = running.remove(s.id());
            if (c != null && c.spec().equals(spec.healthCheck())) {
                c.retarget(s.nodes());
            } else {
                if (c != null) c.stop();
                c = new HealthChecker(s.id(), spec.healthCheck(), s.nodes(), probe, scheduler);
            }
            next.put(s.id(), c);
            checked.addAll(s.nodes());
        }
        running.values().forEach(HealthChecker::stop);
        running.clear();
        running.putAll(next);
        // A node no check looks after any more must not stay out on an old verdict.
        for (Node n : before) {
            if (!checked.contains(n)) n.health().checkedDown(false);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        running.values().forEach(HealthChecker::stop);
        running.clear();
        scheduler.shutdownNow();
        io.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}
