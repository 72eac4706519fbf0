package io.turnpike.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {
    /** The promise in the docs: an edit applies within a second. */
    private static final Duration WITHIN = Duration.ofSeconds(1);
    /** Long enough for several polls, to show that nothing more arrives. */
    private static final Duration QUIET = Duration.ofMillis(700);

    @TempDir Path dir;
    private Path file;
    private final BlockingQueue<GatewayConfig> good = new LinkedBlockingQueue<>();
    private final BlockingQueue<List<Problem>> bad = new LinkedBlockingQueue<>();
    private ConfigWatcher watcher;

    @BeforeEach
    void startWatching() throws IOException {
        file = dir.resolve("turnpike.yaml");
        Files.writeString(file, config(8080));
        watcher = new ConfigWatcher(file, good::add, bad::add);
        watcher.start();
    }

    @AfterEach
    void stopWatching() {
        watcher.close();
    }

    private static String config(int port) {
        return "server:\n  listen: 127.0.0.1:" + port + "\n";
    }

    private static <T> T next(BlockingQueue<T> queue, Duration within) throws InterruptedException {
        return queue.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void appliesAnEditWithinASecond() throws Exception {
        Files.writeString(file, config(8081));
        GatewayConfig c = next(good, WITHIN);
        assertThat(c).as("reloaded config").isNotNull();
        assertThat(c.server().port()).isEqualTo(8081);
        assertThat(c.source()).isEqualTo(file);
        assertThat(bad).isEmpty();
    }

    @Test
    void doesNotReloadTheFileItStartedWith() throws Exception {
        assertThat(next(good, QUIET)).isNull();
        assertThat(bad).isEmpty();
    }

    @Test
    void reportsABadEditOnceAndAppliesTheFix() throws Exception {
        Files.writeString(file, "server:\n  listen: 127.0.0.1:8081\n  drainTimeout: 1x\n  eventLoops: many\n");
        List<Problem> problems = next(bad, WITHIN);
        assertThat(problems).as("problems").isNotNull();
        assertThat(problems).extracting(Problem::toString).containsExactly(
                file + ":3:17: server.drainTimeout: \"1x\" (expected: a duration like 500ms, 2s, 1m)",
                file + ":4:15: server.eventLoops: \"many\" (expected: an integer >= 0)");
        assertThat(next(bad, QUIET)).as("a second report of the same file").isNull();

        Files.writeString(file, config(8082));
        assertThat(next(good, WITHIN)).extracting(c -> c.server().port()).isEqualTo(8082);
    }

    @Test
    void followsAnEditorThatSavesByRenamingANewFileOverTheOld() throws Exception {
        Path temp = dir.resolve(".turnpike.yaml.swp");
        Files.writeString(temp, config(8083));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertThat(next(good, WITHIN)).extracting(c -> c.server().port()).isEqualTo(8083);
    }

    @Test
    void toleratesTheFileBeingMissingForAMoment() throws Exception {
        Files.delete(file);
        Thread.sleep(300); // more than one poll, less than the grace for a missing file
        Files.writeString(file, config(8084));
        assertThat(next(good, WITHIN)).extracting(c -> c.server().port()).isEqualTo(8084);
        assertThat(bad).isEmpty();
    }

    @Test
    void reportsAFileThatStaysMissing() throws Exception {
        Files.delete(file);
        List<Problem> problems = next(bad, Duration.ofSeconds(3));
        assertThat(problems).extracting(Problem::toString)
                .containsExactly(file + ":0:0: cannot read the file: it does not exist");
    }

    @Test
    void ignoresATouchThatLeavesTheContentAsItWas() throws Exception {
        Files.writeString(file, config(8080));
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(next(good, QUIET)).isNull();
    }

    @Test
    void stopsWatchingWhenClosed() throws Exception {
        watcher.close();
        Files.writeString(file, config(8085));
        assertThat(next(good, QUIET)).isNull();
    }
}
