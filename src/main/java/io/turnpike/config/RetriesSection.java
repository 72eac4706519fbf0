package io.turnpike.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Binds {@code services.<id>.retries:}:
 * {@code { attempts: 2, on: [connect-failure, reset, timeout, 502, 503, 504], budget: 20%, backoff: 25ms, perTryTimeout: 2s }}.
 */
final class RetriesSection {
    private static final String ON_EXPECTED = "connect-failure, reset, timeout, or a status from 500 to 599";
    private static final Leaf ON = Leaf.either(Leaf.words("connect-failure", "reset", "timeout"), new Leaf.Whole(500, 599));

    private RetriesSection() {}

    static ServiceSpec.Retries bind(ConfigNode n) {
        ServiceSpec.Retries d = ServiceSpec.Retries.DEFAULT;
        if (!n.isPresent()) return d;
        n.checkKeys(List.of("attempts", "on", "budget", "backoff", "perTryTimeout"), Map.of());
        int attempts = n.get("attempts").integer(0, 10, 2);
        boolean connect = false;
        boolean reset = false;
        boolean timeout = false;
        Set<Integer> statuses = new HashSet<>();
        ConfigNode on = n.get("on");
        if (!on.isPresent()) {
            connect = true;
            reset = true;
            statuses.addAll(List.of(502, 503, 504));
        }
        for (ConfigNode item : on.items("a list like [connect-failure, 502, 503]", true)) {
            String t = item.text(ON_EXPECTED, ON);
            if (t == null) continue;
            switch (t.strip()) {
                case "connect-failure" -> connect = true;
                case "reset" -> reset = true;
                case "timeout" -> timeout = true;
                default -> {
                    try {
                        int status = Integer.parseInt(t.strip());
                        if (status < 500 || status > 599) throw new NumberFormatException();
                        statuses.add(status);
                    } catch (NumberFormatException e) {
                        item.expected(ON_EXPECTED);
                    }
                }
            }
        }
        double budget = share(n.get("budget"), d.budget());
        Duration backoff = n.get("backoff").duration(d.backoff(), true);
        Duration perTry = n.get("perTryTimeout").duration(null, false);
        return new ServiceSpec.Retries(attempts, connect, reset, timeout, statuses, budget, backoff, perTry);
    }

    /** {@code 20%} or {@code 0.2}. */
    static double share(ConfigNode n, double fallback) {
        return n.share(true, fallback, "a share like 20% or 0.2");
    }
}
