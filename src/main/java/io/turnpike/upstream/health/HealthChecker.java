package io.turnpike.upstream.health;

import io.turnpike.config.ServiceSpec;
import io.turnpike.upstream.Node;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one service ({@code healthCheck:}): a GET to {@code path} on every node
 * each {@code interval}; {@code unhealthyAfter} failures in a row take a node out, {@code
 * healthyAfter} passes in a row bring it back. A 2xx answer within {@code timeout} passes. At most
 * one check per node is in flight, so a hanging node costs one request per timeout, never a pile.
 */
final class HealthChecker {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    /** One node's run of results. Touched by one check at a time (the in-flight flag). */
    private static final class Track {
        final AtomicBoolean inFlight = new AtomicBoolean();
        int passes;
        int failures;
    }

    private final String serviceId;
    private final ServiceSpec.HealthCheck spec;
    private final HealthProbe probe;
    private final Map<Node, Track> tracks = new ConcurrentHashMap<>();
    private volatile List<Node> targets;
    private volatile boolean stopped;
    private final ScheduledFuture<?> task;

    HealthChecker(String serviceId, ServiceSpec.HealthCheck spec, List<Node> nodes, HealthProbe probe,
                  ScheduledExecutorService scheduler) {
        this.serviceId = serviceId;
        this.spec = spec;
        this.probe = probe;
        this.targets = List.copyOf(nodes);
        long every = spec.interval().toMillis();
        this.task = scheduler.scheduleWithFixedDelay(this::checkAll, 0, every, TimeUnit.MILLISECONDS);
    }

    ServiceSpec.HealthCheck spec() { return spec; }
    List<Node> targets() { return targets; }

    /** A reload kept the check: follow the service's new node list. */
    void retarget(List<Node> nodes) {
        targets = List.copyOf(nodes);
        tracks.keySet().retainAll(targets);
    }

    void stop() {
        stopped = true;
        task.cancel(false);
    }

    private void checkAll() {
        for (Node node : targets) {
            Track t = tracks.computeIfAbsent(node, n -> new Track());
            if (!t.inFlight.compareAndSet(false, true)) continue; // the last check is still waiting
            try {
                probe.get(node, spec.path(), spec.timeout()).whenComplete((status, err) -> {
                    try {
                        boolean pass = err == null && status / 100 == 2;
                        record(node, t, pass, err != null ? describe(err) : "status " + status);
                    } finally {
                        t.inFlight.set(false); // else the node would never be checked again
                    }
                });
            } catch (RuntimeException e) {
                record(node, t, false, describe(e));
                t.inFlight.set(false);
            }
        }
    }

    private void record(Node node, Track t, boolean pass, String what) {
        // A late answer for a retired check. Not task.isCancelled(): the first check starts before
        // the constructor has its task, and its answer may come back before that too.
        if (stopped || !targets.contains(node)) return;
        boolean down = node.health().checkedDown();
        if (pass) {
            t.failures = 0;
            t.passes++;
            if (down && t.passes >= spec.healthyAfter()) {
                node.health().checkedDown(false);
                log.info("node {} of service {} is healthy again: {} checks of {} passed in a row (resume traffic)",
                        node.key(), serviceId, t.passes, spec.path());
            }
        } else {
            t.passes = 0;
            t.failures++;
            if (!down && t.failures >= spec.unhealthyAfter()) {
                node.health().checkedDown(true);
                log.warn("node {} of service {} is unhealthy: {} checks of {} failed in a row, last {} (stop traffic)",
                        node.key(), serviceId, t.failures, spec.path(), what);
            }
        }
    }

    private static String describe(Throwable e) {
        Throwable c = e.getCause() != null && e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        if (c instanceof io.turnpike.upstream.TlsHandshakeFailure) return c.getMessage();
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : " " + c.getMessage());
    }
}
