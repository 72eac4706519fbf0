package io.turnpike.upstream.discovery;

import io.turnpike.config.GatewayConfig;
import io.turnpike.config.NodeSpec;
import io.turnpike.config.ServiceSpec;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes that are not written in the config: names re-resolved through DNS, and nodes that register
 * themselves (with heartbeats) through the admin API. Resolution runs on a thread of its own,
 * never an event loop. When the set of nodes of a service changes, {@code onChange} runs and the
 * gateway compiles a new snapshot: nodes still present keep their statistics and connections,
 * requests in flight finish on the nodes they started with.
 */
public final class Discovery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Discovery.class);

    /** A self-registered node and when it lapses unless it heartbeats again. */
    public record Registration(String url, String host, int port, int weight, long expiresAtNanos) {}

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "turnpike-discovery");
        t.setDaemon(true);
        return t;
    });
    private final Runnable onChange;
    private final LongSupplier clock;
    private final Map<String, ScheduledFuture<?>> dnsTasks = new HashMap<>();
    private final Map<String, List<NodeSpec>> resolved = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Registration>> registrations = new ConcurrentHashMap<>();
    private volatile Map<String, ServiceSpec.Discovery> settings = Map.of();
    private volatile Map<String, String> schemes = Map.of();
    private volatile Resolver resolver = InetAddress::getAllByName;
    private volatile boolean held;

    /** Turns a name into addresses; blocking is fine (it runs on the discovery thread). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String name) throws UnknownHostException;
    }

    /** Replaces the system resolver (tests, or a resolver of the operator's choosing). */
    public void resolver(Resolver r) {
        this.resolver = r;
    }

    public Discovery(Runnable onChange, LongSupplier clock) {
        this.onChange = onChange;
        this.clock = clock;
        scheduler.scheduleWithFixedDelay(this::expireRegistrations, 1, 1, TimeUnit.SECONDS);
    }

    /** Follows a new config: starts, retargets or stops DNS resolution per service. */
    public synchronized void configure(GatewayConfig config) {
        Map<String, ServiceSpec.Discovery> next = new HashMap<>();
        Map<String, String> nextSchemes = new HashMap<>();
        config.services().forEach((id, spec) -> {
            if (spec.discovery() != null) next.put(id, spec.discovery());
            nextSchemes.put(id, spec.scheme());
        });
        schemes = Map.copyOf(nextSchemes);
        Map<String, ServiceSpec.Discovery> was = settings;
        settings = Map.copyOf(next);
        for (var e : new ArrayList<>(dnsTasks.entrySet())) {
            ServiceSpec.Discovery d = next.get(e.getKey());
            if (d == null || !d.dns() || !Objects.equals(d, was.get(e.getKey()))) {
                e.getValue().cancel(false);
                dnsTasks.remove(e.getKey());
                if (d == null || !d.dns()) resolved.remove(e.getKey());
            }
        }
        registrations.keySet().removeIf(id -> next.get(id) == null || next.get(id).registrationTtl() == null);
        next.forEach((id, d) -> {
            if (d.dns() && !dnsTasks.containsKey(id)) {
                resolveNow(id, d); // at once, so a new service has its nodes before it serves
                dnsTasks.put(id, scheduler.scheduleWithFixedDelay(() -> resolve(id, d, true),
                        d.refresh().toMillis(), d.refresh().toMillis(), TimeUnit.MILLISECONDS));
            }
        });
    }

    private void resolveNow(String id, ServiceSpec.Discovery d) {
        resolve(id, d, false);
    }

    private void resolve(String id, ServiceSpec.Discovery d, boolean announce) {
        List<NodeSpec> nodes = new ArrayList<>();
        try {
            for (InetAddress a : resolver.resolve(d.dnsHost())) {
                String host = a.getHostAddress();
                String url = "http://" + hostForUrl(host) + ":" + d.dnsPort(); // the scheme is the service's
                nodes.add(new NodeSpec(url, host, d.dnsPort(), 1));
            }
        } catch (UnknownHostException e) {
            // Keep the last answer: a resolver hiccup must not empty the service.
            log.warn("service {}: {} did not resolve ({}); keeping its {} known nodes", id, d.dnsHost(),
                    e.getMessage(), resolved.getOrDefault(id, List.of()).size());
            return;
        }
        nodes.sort((x, y) -> x.key().compareTo(y.key()));
        List<NodeSpec> before = resolved.put(id, List.copyOf(nodes));
        if (!nodes.equals(before)) {
            log.info("service {}: {} resolves to {}", id, d.dnsHost(), nodes.stream().map(NodeSpec::key).toList());
            if (announce) onChange.run();
        }
    }

    /** The config with every discovered or registered node added to its service. */
    public GatewayConfig withDiscovered(GatewayConfig config) {
        Map<String, ServiceSpec> services = new LinkedHashMap<>();
        boolean changed = false;
        for (ServiceSpec s : config.services().values()) {
            List<NodeSpec> extra = new ArrayList<>(resolved.getOrDefault(s.id(), List.of()));
            registrations.getOrDefault(s.id(), Map.of()).values().forEach(r ->
                    extra.add(new NodeSpec(r.url(), r.host(), r.port(), r.weight())));
            if (extra.isEmpty()) {
                services.put(s.id(), s);
                continue;
            }
            changed = true;
            Map<String, NodeSpec> byKey = new LinkedHashMap<>();
            s.nodes().forEach(n -> byKey.put(n.key(), n));
            // A discovered node speaks what its service speaks: https when the service has tls.
            extra.forEach(n -> byKey.putIfAbsent(n.key(), new NodeSpec(s.scheme() + "://" + hostForUrl(n.host()) + ":"
                    + n.port(), n.host(), n.port(), n.weight())));
            services.put(s.id(), s.withNodes(List.copyOf(byKey.values())));
        }
        if (!changed) return config;
        return new GatewayConfig(config.source(), config.server(), config.admin(), config.storage(), config.observe(),
                services, config.routes(), config.consumers(), config.auth(), config.plans(), config.cluster(),
                config.clients(), config.alerts());
    }

    /**
     * Registers (or heartbeats) a node of a service that accepts registrations.
     *
     * @return the registration, or null when the service does not take registrations
     * @throws IllegalArgumentException for a URL that is not {@code http://host:port} ({@code https://} for a
     *                                  service with {@code tls})
     */
    public Registration register(String serviceId, String url, int weight) {
        Registration r = parse(serviceId, url, weight);
        if (r == null) return null;
        Registration before = registrations.computeIfAbsent(serviceId, k -> new ConcurrentHashMap<>())
                .put(r.host() + ":" + r.port(), r);
        if (before == null) {
            log.info("service {}: node {} registered (ttl {} ms)", serviceId, r.url(),
                    settings.get(serviceId).registrationTtl().toMillis());
            onChange.run();
        }
        return r;
    }

    /**
     * A registration as {@link #register} would make it, checked but not kept: a fleet keeps it in
     * its store first. Null when the service does not take registrations.
     */
    public Registration parse(String serviceId, String url, int weight) {
        ServiceSpec.Discovery d = settings.get(serviceId);
        if (d == null || d.registrationTtl() == null) return null;
        URI u = URI.create(url.strip());
        // A node registers with its service's scheme: a plaintext node in a TLS service is refused, not downgraded.
        String scheme = schemes.getOrDefault(serviceId, "http");
        if (!scheme.equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0
                || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))) {
            throw new IllegalArgumentException(url + " (expected: " + scheme + "://host:port)");
        }
        String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
        return new Registration(scheme + "://" + u.getHost() + ":" + u.getPort(), host, u.getPort(),
                Math.max(1, Math.min(1000, weight)), clock.getAsLong() + d.registrationTtl().toNanos());
    }

    /** {@code r} lasting {@code remainingMillis} from now, by this node's clock. */
    public Registration lasting(Registration r, long remainingMillis) {
        return new Registration(r.url(), r.host(), r.port(), r.weight(),
                clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, remainingMillis)));
    }

    /** How long a registration of the service lives without a heartbeat; null when it takes none. */
    public java.time.Duration registrationTtl(String serviceId) {
        ServiceSpec.Discovery d = settings.get(serviceId);
        return d == null ? null : d.registrationTtl();
    }

    /**
     * A fleet's registrations replace this node's (they were all made through the fleet's store):
     * {@code shared} holds, per service, {@code host:port} to the registration with its remaining
     * time. Services that do not take registrations here are left out. Changes the rotation only
     * when a node came, went or changed its weight.
     */
    public synchronized void replaceRegistrations(Map<String, Map<String, Registration>> shared) {
        boolean changed = false;
        for (String serviceId : settings.keySet()) {
            if (!acceptsRegistrations(serviceId)) continue;
            Map<String, Registration> now = shared.getOrDefault(serviceId, Map.of());
            Map<String, Registration> mine = registrations.computeIfAbsent(serviceId, k -> new ConcurrentHashMap<>());
            for (var e : now.entrySet()) {
                Registration before = mine.put(e.getKey(), e.getValue());
                if (before == null || before.weight() != e.getValue().weight()) {
                    changed = true;
                    if (before == null) log.info("service {}: node {} registered through the fleet", serviceId, e.getValue().url());
                }
            }
            if (mine.keySet().retainAll(now.keySet())) changed = true;
        }
        if (changed) onChange.run();
    }

    /**
     * While held (a fleet's store is unreachable, so heartbeats cannot be shared), registrations do
     * not lapse: the rotation stays as it was last known, as the rest of the shared state does.
     */
    public void holdRegistrations(boolean hold) {
        this.held = hold;
    }

    /** Removes a registered node at once; false when it was not registered. */
    public boolean deregister(String serviceId, String hostPort) {
        Map<String, Registration> m = registrations.get(serviceId);
        if (m == null || m.remove(hostPort) == null) return false;
        log.info("service {}: node {} deregistered", serviceId, hostPort);
        onChange.run();
        return true;
    }

    /** The live registrations of a service, by {@code host:port}. */
    public Map<String, Registration> registrations(String serviceId) {
        return Collections.unmodifiableMap(registrations.getOrDefault(serviceId, Map.of()));
    }

    /** True when the service accepts self-registration. */
    public boolean acceptsRegistrations(String serviceId) {
        ServiceSpec.Discovery d = settings.get(serviceId);
        return d != null && d.registrationTtl() != null;
    }

    /** Drops registrations whose TTL lapsed without a heartbeat. */
    void expireRegistrations() {
        if (held) return;
        long now = clock.getAsLong();
        boolean changed = false;
        for (var e : registrations.entrySet()) {
            var it = e.getValue().values().iterator();
            while (it.hasNext()) {
                Registration r = it.next();
                if (now - r.expiresAtNanos() >= 0) {
                    it.remove();
                    changed = true;
                    log.warn("service {}: node {} left the rotation: no heartbeat within its ttl", e.getKey(), r.url());
                }
            }
        }
        if (changed) onChange.run();
    }

    private static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** Re-resolves every DNS service at once (tests; an operator's nudge). */
    public void refreshNow() {
        settings.forEach((id, d) -> {
            if (d.dns()) resolve(id, d, true);
        });
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

}
