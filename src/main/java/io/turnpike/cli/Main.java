package io.turnpike.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code turnpike} command: {@code run}, {@code validate}, {@code demo} and {@code schema}.
 * Exit codes: 0 fine, 1 failed (an invalid config for {@code validate}, a listener that could not
 * start), 2 usage error or a config {@code run} refused.
 */
@Command(name = "turnpike",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "An API gateway.",
        subcommands = {RunCommand.class, ValidateCommand.class, DemoCommand.class, SchemaCommand.class, TrainCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: run, validate, demo or schema");
    }
}
