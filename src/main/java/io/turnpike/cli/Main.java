package io.turnpike.cli;

import java.util.List;
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
        description = "An API gateway.")
public final class Main implements Runnable {
    /** The subcommands, in the order help lists them. */
    private static final List<String> COMMANDS = List.of("run", "validate", "demo", "schema", "train", "help");

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /** The command line with every subcommand. */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: with only the subcommand they name when they start with
     * one (each subcommand's model is built by reflection, part of every start), else with all of
     * them, for help, usage and errors.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        Object named = args.length > 0 && !args[0].equals("help") ? command(args[0]) : null;
        if (named != null) {
            cl.addSubcommand(named);
        } else {
            for (String name : COMMANDS) cl.addSubcommand(command(name));
        }
        return cl;
    }

    /**
     * A new instance of the subcommand {@code name}, or null. A switch, not a table of constructor
     * references: the JDK 25 AOT cache archives resolved lambdas, and one naming a picocli class
     * (never archived itself) makes the cache's assembly fail.
     */
    private static Object command(String name) {
        return switch (name) {
            case "run" -> new RunCommand();
            case "validate" -> new ValidateCommand();
            case "demo" -> new DemoCommand();
            case "schema" -> new SchemaCommand();
            case "train" -> new TrainCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> null;
        };
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: run, validate, demo or schema");
    }
}
