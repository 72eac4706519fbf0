package io.turnpike.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds the balancing keys: a service's {@code loadBalancer:} and {@code priority:}, and a
 * route's {@code priority: high|normal}.
 */
final class BalancingSection {
    static final String DEFAULT_BALANCER = "round-robin";
    private static final List<String> PLAIN = List.of("round-robin", "random", "least-request", "peak-ewma");
    private static final String EXPECTED = "one of round-robin, random, least-request, peak-ewma, "
            + "hash(header:NAME), hash(cookie:NAME), hash(ip)";
    private static final Pattern HASH = Pattern.compile("hash\\((?:(header|cookie):\\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)|ip)\\s*\\)");
    private static final Leaf BALANCERS = Leaf.either(new Leaf.Words(PLAIN, false),
            new Leaf.Matching("^" + HASH.pattern() + "$"));
    private static final Leaf.Words PRIORITIES = Leaf.wordsInAnyCase("high", "normal");

    private BalancingSection() {}

    /** {@code services.<id>.loadBalancer}: the balancer's name, normalised ({@code hash(header:X)}). */
    static String loadBalancer(ConfigNode node) {
        String text = node.text(EXPECTED, BALANCERS);
        if (text == null) return DEFAULT_BALANCER;
        String name = text.strip();
        if (PLAIN.contains(name)) return name;
        var m = HASH.matcher(name.replace("( ", "(").replace(" (", "("));
        if (m.matches()) {
            return m.group(1) == null ? "hash(ip)" : "hash(" + m.group(1) + ":" + m.group(2) + ")";
        }
        node.expected(EXPECTED);
        return DEFAULT_BALANCER;
    }

    /** {@code services.<id>.priority: { maxShare, maxInFlight }}. */
    static ServiceSpec.Priority priority(ConfigNode node) {
        ServiceSpec.Priority d = ServiceSpec.Priority.DEFAULT;
        if (!node.isPresent()) return d;
        if (!node.isMapping()) {
            node.expected("a mapping like {maxShare: 2.0, maxInFlight: 100}");
            return d;
        }
        node.checkKeys(List.of("maxShare", "maxInFlight"), Map.of());
        return new ServiceSpec.Priority(node.get("maxShare").number(1.0, 1000, d.maxShare(),
                "a number >= 1.0, like 2.0 (times a node's fair share)"),
                node.get("maxInFlight").integer(0, Integer.MAX_VALUE, d.maxInFlight()));
    }

    /** {@code routes[i].priority}: true for {@code high}. */
    static boolean highPriority(ConfigNode node) {
        return "high".equals(node.choice(PRIORITIES, "normal", "high or normal", "high or normal"));
    }
}
