package io.turnpike.cli;

import io.turnpike.config.ConfigSchema;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code turnpike schema}: prints the JSON Schema of the config file, for editors to complete and
 * check turnpike.yaml with (docs/turnpike.schema.json is this output, committed).
 */
@Command(name = "schema", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the JSON Schema (draft 2020-12) of the config file, for editors: "
                + "# yaml-language-server: $schema=<file or URL>")
final class SchemaCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(ConfigSchema.text());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
