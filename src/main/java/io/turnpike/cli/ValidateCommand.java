package io.turnpike.cli;

import io.turnpike.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code turnpike validate -c FILE}: checks a config without serving it. */
@Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Check a config file: print every problem and exit 1, or print any warnings and a summary and exit 0.")
final class ValidateCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The config file (YAML or JSON).")
    Path config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ConfigLoader.Result result = ConfigCheck.load(config);
        if (!result.ok()) {
            ConfigCheck.print(result.problems(), spec.commandLine().getErr());
            return 1;
        }
        // Like a compiler's: on stderr, with the exit code still 0 (the config is valid).
        ConfigCheck.warn(result.warnings(), spec.commandLine().getErr());
        spec.commandLine().getOut().println("ok: " + ConfigCheck.summary(result.config()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
