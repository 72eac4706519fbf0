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
    private static final String URL_EXPECTED = "a URL like http://host:port or https://host:port";
    private static final Map<String, String> PLANNED = Map.of();
    private static final Leaf.Words PROTOCOLS = Leaf.words("http1", "h2", "h2c");

    private ServiceSection() {}

    /** @param id already checked by the caller; returned spec is meaningless if problems were reported */
    static ServiceSpec bind(String id, ConfigNode service) {
        service.checkKeys(List.of("nodes", "loadBalancer", "timeouts", "pool", "priority", "retries", "healthCheck",
                "outlierDetection", "circuitBreaker", "discovery", "registration", "tls", "protocol", "http2"), PLANNED);
        boolean discovery = service.entries().containsKey("discovery")
                || service.entries().containsKey("registration");
        List<NodeSpec> nodes = nodes(service, discovery);
        ServiceSpec.Tls tls = tls(service, nodes);
        ServiceSpec.Protocol protocol = protocol(service.get("protocol"), tls != null);
        return new ServiceSpec(id, nodes, BalancingSection.loadBalancer(service.get("loadBalancer")),
                timeouts(service.get("timeouts")), pool(service.get("pool")),
                BalancingSection.priority(service.get("priority")),
                ResilienceSection.healthCheck(service.get("healthCheck")),
                ResilienceSection.outlierDetection(service.get("outlierDetection")),
                ResilienceSection.circuitBreaker(service.get("circuitBreaker")),
                RetriesSection.bind(service.get("retries")),
                DiscoverySection.bind(service.get("discovery"), service.get("registration")),
                tls, protocol, http2(service.get("http2"), protocol));
    }

    /** {@code http2: { initialWindowSize }}: only for a service that speaks HTTP/2. */
    private static ServiceSpec.Http2 http2(ConfigNode n, ServiceSpec.Protocol protocol) {
        ServiceSpec.Http2 d = ServiceSpec.Http2.DEFAULT;
        n.checkKeys(List.of("initialWindowSize"), Map.of());
        ServiceSpec.Http2 h2 = new ServiceSpec.Http2(
                (int) n.get("initialWindowSize").size(65_535, Integer.MAX_VALUE, d.initialWindowSize()));
        if (n.isPresent() && !n.isRecording() && !protocol.multiplexed()) {
            n.problem("http2 settings apply to HTTP/2 services (expected: protocol: h2 or h2c, or no http2)");
        }
        return h2;
    }

    /**
     * {@code protocol: http1 | h2 | h2c}. HTTP/2 over TLS is negotiated with ALPN, so {@code h2}
     * needs https nodes; {@code h2c} is cleartext with prior knowledge, so it needs http nodes.
     */
    private static ServiceSpec.Protocol protocol(ConfigNode n, boolean https) {
        String word = n.choice(PROTOCOLS, "http1", "http1, h2 or h2c", "http1, h2 or h2c");
        if (word == null) return ServiceSpec.Protocol.HTTP1;
        ServiceSpec.Protocol p = ServiceSpec.Protocol.valueOf(word.toUpperCase(Locale.ROOT));
        if (p == ServiceSpec.Protocol.H2 && !https) {
            n.problem("h2 needs https:// nodes (expected: h2c for HTTP/2 to http:// nodes)");
        } else if (p == ServiceSpec.Protocol.H2C && https) {
            n.problem("h2c needs http:// nodes (expected: h2 for HTTP/2 to https:// nodes)");
        }
        return p;
    }

    /**
     * The service's TLS: its {@code tls:} block, or the defaults for {@code https://} nodes without
     * one. One service speaks one scheme to all its nodes (discovered and registered ones take it
     * too), so http and https nodes do not mix, and {@code tls:} over http nodes is refused rather
     * than silently sending plaintext.
     */
    private static ServiceSpec.Tls tls(ConfigNode service, List<NodeSpec> nodes) {
        ConfigNode block = service.get("tls");
        ServiceSpec.Tls tls = ServiceTlsSection.bind(block);
        NodeSpec first = nodes.isEmpty() ? null : nodes.get(0);
        for (NodeSpec n : nodes) {
            if (n.https() != first.https()) {
                service.get("nodes").problem("nodes " + ConfigNode.quote(first.url()) + " and "
                        + ConfigNode.quote(n.url()) + " mix http and https (expected: one scheme for all nodes of a "
                        + "service; make two services)");
                return null;
            }
        }
        if (first != null && first.https()) return tls == null ? ServiceSpec.Tls.DEFAULT : tls;
        if (tls != null && first != null) {
            block.problem("tls is set but the nodes are http:// (expected: https:// nodes, or no tls)");
        }
        return tls; // with no static nodes, tls: alone makes discovered and registered nodes https
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
        String scheme = lower.startsWith("https://") ? "https" : lower.startsWith("http://") ? "http" : null;
        if (scheme == null) {
            at.expected(URL_EXPECTED);
            return null;
        }
        String rest = text.substring(scheme.length() + "://".length());
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) end++;
        String tail = rest.substring(end);
        if (!tail.isEmpty() && !tail.equals("/")) {
            at.expected(scheme + "://host:port without a path or query; a route's rewrite sets the path");
            return null;
        }
        int defaultPort = scheme.equals("https") ? 443 : 80;
        HostPort hp = rest.indexOf('@') >= 0 ? null : HostPort.parse(rest.substring(0, end), defaultPort, 1);
        if (hp == null) {
            at.expected(URL_EXPECTED);
            return null;
        }
        return new NodeSpec(scheme + "://" + hp.hostForUrl() + ":" + hp.port(), hp.host(), hp.port(), weight);
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
