package io.turnpike.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Binds one {@code services.<id>:} entry into a {@link ServiceSpec}. */
final class ServiceSection {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String URL_EXPECTED = "a URL like http://host:port";
    private static final Map<String, String> PLANNED = Map.of();

    private ServiceSection() {}

    /** @param id already checked by the caller; returned spec is meaningless if problems were reported */
    static ServiceSpec bind(String id, ConfigNode service) {
        service.checkKeys(List.of("nodes", "loadBalancer", "timeouts", "pool", "priority", "retries", "healthCheck",
                "outlierDetection", "circuitBreaker", "discovery", "registration"), PLANNED);
        boolean discovery = service.entries().containsKey("discovery")
                || service.entries().containsKey("registration");
        List<NodeSpec> nodes = nodes(service, discovery);
        return new ServiceSpec(id, nodes, BalancingSection.loadBalancer(service.get("loadBalancer")),
                timeouts(service.get("timeouts")), pool(service.get("pool")),
                BalancingSection.priority(service.get("priority")),
                ResilienceSection.healthCheck(service.get("healthCheck")),
                ResilienceSection.outlierDetection(service.get("outlierDetection")),
                ResilienceSection.circuitBreaker(service.get("circuitBreaker")),
                RetriesSection.bind(service.get("retries")),
                DiscoverySection.bind(service.get("discovery"), service.get("registration")));
    }

    private static List<NodeSpec> nodes(ConfigNode service, boolean discoveryReported) {
        ConfigNode list = service.get("nodes");
        List<ConfigNode> items = list.items("a list of node URLs like [http://host:port]", true);
        // A service that is not a mapping, or whose nodes are not a list, was reported already.
        boolean shapeOk = (service.isMapping() || !service.isPresent()) && (list.isSequence() || !list.isPresent());
        if (items.isEmpty() && !discoveryReported && shapeOk) {
            (list.isPresent() ? list : service).problem(
                    "no nodes (expected: nodes: [http://host:port, ...] with at least one node)");
        }
        List<NodeSpec> nodes = new ArrayList<>();
        Map<String, ConfigNode> seen = new HashMap<>();
        for (ConfigNode item : items) {
            NodeSpec node = node(item);
            if (node == null) continue;
            ConfigNode earlier = seen.putIfAbsent(node.key(), item);
            if (earlier != null) {
                item.problem("duplicate node " + ConfigNode.quote(node.url()) + " (first at line "
                        + earlier.line() + ")");
            } else {
                nodes.add(node);
            }
        }
        return nodes;
    }

    private static NodeSpec node(ConfigNode item) {
        ConfigNode url = item;
        int weight = 1;
        if (item.isMapping()) {
            item.checkKeys(List.of("url", "weight"), Map.of());
            url = item.require("url", URL_EXPECTED);
            weight = item.get("weight").integer(1, 1000, 1);
        }
        String text = url.text(URL_EXPECTED);
        if (text == null) return null;
        return parseUrl(url, text.strip(), weight);
    }

    private static NodeSpec parseUrl(ConfigNode at, String text, int weight) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            at.problem(at.describe() + " uses https, and TLS to nodes is not supported yet "
                    + "(expected: http://host:port)");
            return null;
        }
        if (!lower.startsWith("http://")) {
            at.expected(URL_EXPECTED);
            return null;
        }
        String rest = text.substring("http://".length());
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) end++;
        String tail = rest.substring(end);
        if (!tail.isEmpty() && !tail.equals("/")) {
            at.expected("http://host:port without a path or query; a route's rewrite sets the path");
            return null;
        }
        HostPort hp = rest.indexOf('@') >= 0 ? null : HostPort.parse(rest.substring(0, end), 80, 1);
        if (hp == null) {
            at.expected(URL_EXPECTED);
            return null;
        }
        return new NodeSpec("http://" + hp.hostForUrl() + ":" + hp.port(), hp.host(), hp.port(), weight);
    }

    private static ServiceSpec.Timeouts timeouts(ConfigNode t) {
        ServiceSpec.Timeouts d = ServiceSpec.Timeouts.DEFAULT;
        t.checkKeys(List.of("connect", "request", "idle"), Map.of());
        return new ServiceSpec.Timeouts(t.get("connect").duration(d.connect(), false),
                t.get("request").duration(d.request(), false), t.get("idle").duration(d.idle(), false));
    }

    private static ServiceSpec.Pool pool(ConfigNode p) {
        ServiceSpec.Pool d = ServiceSpec.Pool.DEFAULT;
        p.checkKeys(List.of("maxPerNode", "idleTimeout"), Map.of());
        return new ServiceSpec.Pool(p.get("maxPerNode").integer(1, Integer.MAX_VALUE, d.maxPerNode()),
                p.get("idleTimeout").duration(d.idleTimeout(), false));
    }
}
