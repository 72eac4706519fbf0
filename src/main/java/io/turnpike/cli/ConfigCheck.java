package io.turnpike.cli;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Problem;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Loading a config file from the command line, and how its outcome is shown to the user. */
final class ConfigCheck {
    private ConfigCheck() {}

    /** Like {@link ConfigLoader#load}, but a path that is not a readable file is a problem too. */
    static ConfigLoader.Result load(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            String why = Files.exists(file) ? "not a readable file" : "no such file";
            return new ConfigLoader.Result(null, List.of(new Problem(file.toString(), 0, 0, "", why)));
        }
        return ConfigLoader.load(file);
    }

    /** One problem per line, {@code file:line:column: message}. */
    static void print(List<Problem> problems, PrintWriter err) {
        problems.forEach(err::println);
        err.flush();
    }

    /** {@code 3 services, 6 nodes, 5 routes}. */
    static String summary(GatewayConfig config) {
        int nodes = config.services().values().stream().mapToInt(s -> s.nodes().size()).sum();
        return config.services().size() + " services, " + nodes + " nodes, " + config.routes().size() + " routes";
    }
}
