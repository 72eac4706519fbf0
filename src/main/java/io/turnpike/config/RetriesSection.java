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
    /** gRPC status names by code (1-16), as {@code retries.on} takes them with a {@code grpc-} prefix. */
    static final List<String> GRPC_STATUSES = List.of("cancelled", "unknown", "invalid-argument", "deadline-exceeded",
            "not-found", "already-exists", "permission-denied", "resource-exhausted", "failed-precondition", "aborted",
            "out-of-range", "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated");
    private static final String ON_EXPECTED = "connect-failure, reset, timeout, a status from 500 to 599, "
            + "or a gRPC status like grpc-unavailable";
    private static final Leaf ON = Leaf.either(Leaf.words(words()), new Leaf.Whole(500, 599));

    private static String[] words() {
        List<String> w = new java.util.ArrayList<>(List.of("connect-failure", "reset", "timeout"));
        for (String g : GRPC_STATUSES) w.add("grpc-" + g);
        return w.toArray(String[]::new);
    }

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
        Set<Integer> grpc = new HashSet<>();
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
                    String word = t.strip();
                    int code = word.startsWith("grpc-") ? GRPC_STATUSES.indexOf(word.substring(5)) + 1 : 0;
                    if (code > 0) {
                        grpc.add(code);
                        continue;
                    }
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
        return new ServiceSpec.Retries(attempts, connect, reset, timeout, statuses, budget, backoff, perTry, grpc);
    }

    /** {@code 20%} or {@code 0.2}. */
    static double share(ConfigNode n, double fallback) {
        return n.share(true, fallback, "a share like 20% or 0.2");
    }
}
