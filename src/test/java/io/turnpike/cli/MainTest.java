package io.turnpike.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line's own behaviour: what it does before any config is loaded. */
class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void printsTheVersionAndJvm() {
        assertThat(execute("--version")).isZero();
        assertThat(out.toString()).startsWith("turnpike ").contains("java ");
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(execute()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing command").contains("Usage: turnpike");
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertThat(execute("run", "--nope")).isEqualTo(2);
    }

    @Test
    void validateOfAMissingFileFailsWithALocatedProblem() {
        assertThat(execute("validate", "-c", "no-such.yaml")).isEqualTo(1);
        assertThat(err.toString().trim()).isEqualTo("no-such.yaml:0:0: no such file");
    }

    @Test
    void runOfAMissingFileIsRefused(@TempDir Path dir) {
        assertThat(execute("run", "-c", dir.resolve("x.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("x.yaml:0:0: no such file");
    }

    @Test
    void aDirectoryIsNotAConfig(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("conf.yaml"));
        assertThat(execute("validate", "-c", dir.resolve("conf.yaml").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("not a readable file");
    }

    @Test
    void servicesOnlyNeedsConfigOut() {
        assertThat(execute("demo", "--services-only")).isEqualTo(2);
        assertThat(err.toString()).contains("--services-only needs --config-out");
    }

    @Test
    void schemaPrintsTheConfigSchema() {
        assertThat(execute("schema")).isZero();
        assertThat(out.toString()).isEqualTo(io.turnpike.config.ConfigSchema.text())
                .startsWith("{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\"");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void demoPortMustBeAPort() {
        assertThat(execute("demo", "--port", "70000")).isEqualTo(2);
        assertThat(err.toString()).contains("--port: 70000 (expected: 1..65535)");
    }
}
