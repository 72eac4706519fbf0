package io.turnpike.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.turnpike.config.ConfigSources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * A valid config with something likely wrong in it (an issuer that names no audience): validate
 * prints a located warning and still says ok with exit 0; run logs the same warning as it starts.
 */
class ConfigWarningsTest {
    private static final String WARNING = ":6:7: warning: auth.jwt[0]: issuer \"https://id.example\" has no audiences";

    private static Path config(Path dir) throws Exception {
        Path file = dir.resolve("turnpike.yaml");
        Files.writeString(file, """
                server: { listen: "127.0.0.1:0" }
                admin: { listen: off }
                storage: { dataDir: "%s" }
                auth:
                  jwt:
                    - issuer: https://id.example
                      secret: "0123456789abcdef0123456789abcdef"
                      algorithms: [HS256]
                services: { svc: { nodes: [ "http://127.0.0.1:9001" ] } }
                routes:
                  - { id: r, match: { path: /r }, service: svc, auth: [jwt] }
                """.formatted(dir.resolve("data").toString().replace("\\", "/")));
        return file;
    }

    @Test
    void validatePrintsTheWarningWithItsLocationAndStillExitsZero(@TempDir Path dir) throws Exception {
        Path file = config(dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("validate", "-c", file.toString())).isZero();
        assertThat(err.toString().lines()).singleElement().asString().startsWith(file + WARNING);
        assertThat(out.toString().trim()).isEqualTo("ok: 1 services, 1 nodes, 1 routes");
    }

    @Test
    void runLogsTheWarningAsItOpensTheConfig(@TempDir Path dir) throws Exception {
        Path file = config(dir);
        Logger logger = (Logger) LoggerFactory.getLogger(ConfigSources.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            ConfigSources.Opened opened = ConfigCheck.open(file); // what run does before it serves
            assertThat(opened.ok()).isTrue();
        } finally {
            logger.detachAppender(logs);
        }
        assertThat(logs.list).anySatisfy(e -> {
            assertThat(e.getLevel().toString()).isEqualTo("WARN");
            assertThat(e.getFormattedMessage()).startsWith(file + WARNING);
        });
    }
}
