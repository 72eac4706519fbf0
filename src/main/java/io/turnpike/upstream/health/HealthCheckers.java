package io.turnpike.upstream.health;

import io.turnpike.config.ServiceSpec;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Every service's active health checks, owned by the gateway. {@link #apply} follows each new
 * config: it starts checks for new services, retargets kept ones, and stops the rest. Checks run
 * off the event loops: one scheduler thread, and the JDK's HTTP client on virtual threads.
 */
public final class HealthCheckers implements AutoCloseable {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("turnpike-health").daemon().factory());
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
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
                c = new HealthChecker(s.id(), spec.healthCheck(), s.nodes(), client, scheduler);
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
        client.shutdownNow();
    }
}
