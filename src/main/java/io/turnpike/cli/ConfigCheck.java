package io.turnpike.cli;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.ConfigSources;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Problem;
import io.turnpike.config.Warning;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Loading a config file from the command line, and how its outcome is shown to the user. */
final class ConfigCheck {
    private ConfigCheck() {}

    /** Like {@link ConfigLoader#load}, but a path that is not a readable file is a problem too. */
    static ConfigLoader.Result load(Path file) {
        ConfigLoader.Result unreadable = unreadable(file);
        return unreadable != null ? unreadable : ConfigLoader.load(file);
    }

    /** One problem per line, {@code file:line:column: message}. */
    static void print(List<Problem> problems, PrintWriter err) {
        problems.forEach(err::println);
        err.flush();
    }

    /** One warning per line, {@code file:line:column: warning: message}. */
    static void warn(List<Warning> warnings, PrintWriter err) {
        warnings.forEach(err::println);
        err.flush();
    }

    /** {@code 3 services, 6 nodes, 5 routes}. */
    static String summary(GatewayConfig config) {
        return config.summary();
    }

    /** The file and the admin changes persisted beside it, ready to serve; or the file's problems. */
    static ConfigSources.Opened open(Path file) {
        ConfigLoader.Result checked = unreadable(file);
        if (checked != null) return new ConfigSources.Opened(null, checked.problems());
        try {
            return ConfigSources.open(file, Files.readAllBytes(file), System::getenv);
        } catch (IOException e) {
            return new ConfigSources.Opened(null, List.of(new Problem(file.toString(), 0, 0, "", "cannot read the file: " + e)));
        }
    }

    private static ConfigLoader.Result unreadable(Path file) {
        if (Files.isRegularFile(file) && Files.isReadable(file)) return null;
        String why = Files.exists(file) ? "not a readable file" : "no such file";
        return new ConfigLoader.Result(null, List.of(new Problem(file.toString(), 0, 0, "", why)));
    }
}
