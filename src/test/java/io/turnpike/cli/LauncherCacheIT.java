package io.turnpike.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.GatewayProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./turnpike} and its start-up cache, run as a user runs it: a checkout with the packaged jar,
 * the launcher picking the JDK these tests run on. A matching cache is used (the gateway's classes
 * come from it), a cache for another jar or JDK is named once and left alone, a damaged one costs a
 * warning and nothing else, and no cache at all is a normal start.
 */
class LauncherCacheIT {
    private static final Instant LONG_AGO = Instant.parse("2000-01-01T00:00:00Z");
    private static final int MAJOR = Runtime.version().feature();
    /** What the launcher makes on this JDK: an AOT cache from 25 on, an AppCDS archive before. */
    private static final String EXT = MAJOR >= 25 ? ".aot" : ".jsa";
    private static final String FROM_CACHE = "io.turnpike.cli.Main source: shared objects file";

    @TempDir
    Path root;

    private Path target;

    /** A checkout as far as the launcher looks: itself, find-java, sources older than the jar. */
    @BeforeEach
    void checkout() throws IOException {
        Path launcher = root.resolve("turnpike");
        Files.copy(Path.of("turnpike"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(root.resolve("scripts"));
        Files.copy(Path.of("scripts/find-java"), root.resolve("scripts/find-java"));
        for (String old : new String[] {"src", "docs"}) {
            Files.createDirectories(root.resolve(old));
        }
        Files.writeString(root.resolve("pom.xml"), "");
        Files.writeString(root.resolve("docs/CONFIG.md"), "");
        for (String old : new String[] {"src", "docs", "pom.xml", "docs/CONFIG.md"}) {
            Files.setLastModifiedTime(root.resolve(old), FileTime.from(LONG_AGO));
        }
        target = Files.createDirectories(root.resolve("target"));
        Files.copy(GatewayProcess.jar(), target.resolve("turnpike.jar"), StandardCopyOption.COPY_ATTRIBUTES);
    }

    @Test
    void startsWithoutACacheAndSaysNothingAboutOne() throws Exception {
        Path config = root.resolve("turnpike.yaml");
        Files.writeString(config, """
                server: { listen: 127.0.0.1:0 }
                admin: { listen: off }
                storage: { dataDir: "%s" }
                services:
                  backend: { nodes: [ "http://127.0.0.1:9" ] }
                routes:
                  - { id: all, match: { path: "/**" }, service: backend }
                """.formatted(root.resolve("data")));
        Process p = launcher(Map.of(), "run", "-c", config.toString()).redirectErrorStream(true).start();
        try {
            String out = readUntil(p, "listening on", 60);

            assertThat(out).contains("listening on 127.0.0.1:");
            assertThat(out).doesNotContain("ignoring", "[warning]", "[error");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(caches()).isEmpty();
    }

    /** {@code cds} is what JDK 21-24 get; forced here so a newer JDK tests that path too. */
    @ParameterizedTest
    @ValueSource(strings = {"aot", "cds"})
    void usesTheCacheTheTrainingRunMakesForThisJarAndJdk(String kind) throws Exception {
        String ext = kind.equals("aot") ? EXT : ".jsa";
        // two seconds of traffic: the cache only has to hold the classes start-up loads (the check below),
        // and a cold JVM's first answers take a moment
        Run trained = run(Map.of("TURNPIKE_TRAIN_SECONDS", "2", "TURNPIKE_AOT_KIND", kind), "aot");

        assertThat(trained.exit()).as(trained.err()).isZero();
        assertThat(trained.err()).as("the training run reached the sample services").containsPattern("status \\{200=\\d+");
        assertThat(caches(ext)).singleElement().satisfies(cache -> {
            assertThat(cache.getFileName().toString()).startsWith("turnpike-" + jarId() + "-").endsWith(ext);
            assertThat(cache.getFileName().toString()).contains(Runtime.version().feature() + ".");
        });
        Run with = run(Map.of("TURNPIKE_JAVA_OPTS", "-Xlog:class+load=info", "TURNPIKE_AOT_KIND", kind), "--version");
        Run without = run(Map.of("TURNPIKE_JAVA_OPTS", "-Xlog:class+load=info", "TURNPIKE_AOT_KIND", kind,
                "TURNPIKE_AOT", "off"), "--version");

        assertThat(with.exit()).isZero();
        assertThat(with.out()).contains(FROM_CACHE).contains("turnpike ");
        assertThat(with.err()).doesNotContain("ignoring", "[warning]", "[error");
        assertThat(without.out()).doesNotContain(FROM_CACHE);
    }

    @Test
    void aCacheOfAnotherJarOrJdkIsNamedOnceAndNotUsed() throws Exception {
        run(Map.of(), "--version"); // remembers the jar's id beside it
        Path otherJar = target.resolve("turnpike-0123456789ab-" + Runtime.version().feature() + ".0.1_9-LTS" + EXT);
        Path otherJdk = target.resolve("turnpike-" + jarId() + "-19.0.2_7" + EXT);
        Files.write(otherJar, new byte[4096]); // not a cache at all: the JVM would complain if it read it
        Files.write(otherJdk, new byte[4096]);

        Run r = run(Map.of(), "--version");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("turnpike ");
        assertThat(r.err().lines().filter(l -> l.contains("ignoring"))).singleElement().asString()
                .contains("made for another jar or JDK").contains("./turnpike aot");
        assertThat(r.err()).doesNotContain("[warning]", "[error");
    }

    @Test
    void aDamagedCacheIsSkippedWithAWarningAndTheStartGoesOn() throws Exception {
        run(Map.of(), "--version");
        Files.write(cacheName(), "not a cache".repeat(1000).getBytes(StandardCharsets.US_ASCII));

        Run r = run(Map.of(), "schema");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("{"); // stdout is still only the schema: the JVM's warning went to stderr
        if (EXT.equals(".aot")) assertThat(r.err()).contains("[error"); // AppCDS' complaints are silenced
    }

    private Path cacheName() throws IOException {
        String version = Files.readAllLines(Path.of(System.getProperty("java.home"), "release")).stream()
                .filter(l -> l.startsWith("JAVA_RUNTIME_VERSION="))
                .map(l -> l.substring("JAVA_RUNTIME_VERSION=".length()).replace("\"", "").replaceAll("[^A-Za-z0-9._-]", "_"))
                .findFirst().orElseThrow();
        return target.resolve("turnpike-" + jarId() + "-" + version + EXT);
    }

    /** The id the launcher gave the jar, from the note it keeps beside it. */
    private String jarId() throws IOException {
        String line = Files.readString(target.resolve("turnpike.jar.id")).trim();
        return line.substring(line.indexOf(' ') + 1);
    }

    private List<Path> caches() throws IOException {
        return caches(EXT);
    }

    private List<Path> caches(String ext) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith(ext)).toList();
        }
    }

    private record Run(int exit, String out, String err) {}

    private Run run(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        Process p = launcher(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(args) + "\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private ProcessBuilder launcher(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("turnpike").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("TURNPIKE_JAVA_OPTS");
        pb.environment().remove("TURNPIKE_AOT");
        pb.environment().putAll(env);
        return pb;
    }

    /** Reads p's output until a line contains {@code marker}, or it ends, or the time is up. */
    private static String readUntil(Process p, String marker, int seconds) throws Exception {
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (var r = p.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (out) {
                        out.append(line).append('\n');
                        if (line.contains(marker)) out.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            synchronized (out) {
                out.notifyAll();
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (out) {
            while (!out.toString().contains(marker) && reader.isAlive() && System.nanoTime() < deadline) {
                out.wait(200);
            }
            return out.toString();
        }
    }
}
