package io.turnpike.config;

import java.util.List;
import java.util.Map;

/** Parses config text the way the gateway does, for tests that read the outcome as a user would. */
final class ConfigText {
    private ConfigText() {}

    static ConfigLoader.Result parse(String yaml, Map<String, String> env) {
        return ConfigLoader.parse("turnpike.yaml", yaml, env::get);
    }

    /** The problems exactly as printed for the user. */
    static List<String> problems(String yaml) {
        return problems(yaml, Map.of());
    }

    static List<String> problems(String yaml, Map<String, String> env) {
        return parse(yaml, env).problems().stream().map(Problem::toString).toList();
    }

    static GatewayConfig good(String yaml) {
        return good(yaml, Map.of());
    }

    static GatewayConfig good(String yaml, Map<String, String> env) {
        ConfigLoader.Result r = parse(yaml, env);
        if (!r.ok()) throw new AssertionError("expected a good config, got:\n" + String.join("\n", problems(yaml, env)));
        return r.config();
    }
}
