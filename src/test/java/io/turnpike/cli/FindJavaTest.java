package io.turnpike.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK search shared by ./turnpike, .ci/run and bench/run.sh, run against fake JDKs. */
class FindJavaTest {
    private static final Path SCRIPT = Path.of("scripts/find-java").toAbsolutePath();

    @TempDir
    Path dir;

    private Path jvms;
    private Path pathBin;

    @BeforeEach
    void fakeJdks() throws IOException {
        jvms = dir.resolve("jvm");
        fakeJava(jvms.resolve("jdk-17"), "17.0.15");
        fakeJava(jvms.resolve("jdk-21"), "21.0.2");
        fakeJava(jvms.resolve("jdk-25"), "25.0.3");
        fakeJava(jvms.resolve("jre-8"), "1.8.0_392");
        pathBin = dir.resolve("path");
        Files.createDirectories(pathBin);
    }

    /** A java that only answers -version, the way real ones do (on stderr). */
    private static Path fakeJava(Path home, String version) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2025-01-01' >&2\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    private Result findJava(String javaHome, String pathJavaVersion) throws Exception {
        if (pathJavaVersion != null) {
            Path home = dir.resolve("on-path");
            Path java = fakeJava(home, pathJavaVersion);
            Files.createSymbolicLink(pathBin.resolve("java"), java);
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$0\" && find_java", SCRIPT.toString());
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        if (javaHome != null) env.put("JAVA_HOME", javaHome);
        // The fake folder comes first; a real java later on PATH must not be 21+ to matter here,
        // so the system folders are left out and only awk, readlink and friends come from them.
        env.put("PATH", pathBin + ":" + toolsOnlyPath());
        env.put("TURNPIKE_JVM_DIRS", jvms.toString());
        Process p = pb.redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    /** A folder with just the tools the script uses, so no real java can be found on PATH. */
    private String toolsOnlyPath() throws IOException {
        Path tools = Files.createDirectories(dir.resolve("tools"));
        for (String tool : new String[] {"awk", "readlink", "dirname"}) {
            Path link = tools.resolve(tool);
            if (Files.exists(link)) continue;
            for (String base : new String[] {"/usr/bin/", "/bin/"}) {
                if (Files.isExecutable(Path.of(base + tool))) {
                    // A wrapper rather than a symlink: the temp dir's cleanup warns about links out of it.
                    Files.writeString(link, "#!/bin/sh\nexec " + base + tool + " \"$@\"\n");
                    Files.setPosixFilePermissions(link, PosixFilePermissions.fromString("rwxr-xr-x"));
                    break;
                }
            }
        }
        return tools.toString();
    }

    private record Result(int exit, String java) {}

    @Test
    void prefersJavaHomeWhenItIs21OrNewer() throws Exception {
        Result r = findJava(jvms.resolve("jdk-21").toString(), "25.0.1");

        assertThat(r.exit()).isZero();
        assertThat(r.java()).isEqualTo(jvms.resolve("jdk-21/bin/java").toString());
    }

    @Test
    void skipsAnOldJavaHomeForJavaOnPath() throws Exception {
        Result r = findJava(jvms.resolve("jdk-17").toString(), "21.0.5");

        assertThat(r.java()).isEqualTo(pathBin.resolve("java").toString());
    }

    @Test
    void fallsBackToTheNewestJdkInTheSystemFolder() throws Exception {
        Result r = findJava(jvms.resolve("jre-8").toString(), "17.0.1");

        assertThat(r.java()).isEqualTo(jvms.resolve("jdk-25/bin/java").toString());
    }

    @Test
    void failsWhenNothingIs21OrNewer() throws Exception {
        Files.walk(jvms).sorted(java.util.Comparator.reverseOrder())
                .filter(p -> p.toString().contains("jdk-2"))
                .forEach(p -> p.toFile().delete());

        Result r = findJava(null, "17.0.1");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.java()).isEmpty();
    }

    @Test
    void readsTheFeatureReleaseOfOldAndNewVersionStrings() throws Exception {
        assertThat(major("1.8.0_392")).isEqualTo("8");
        assertThat(major("21")).isEqualTo("21");
        assertThat(major("25.0.3")).isEqualTo("25");
        assertThat(major("26-ea")).isEqualTo("26");
    }

    private String major(String version) throws Exception {
        Path java = fakeJava(dir.resolve("v-" + version), version);
        Process p = new ProcessBuilder("bash", "-c", "source \"$0\" && java_major \"$1\"", SCRIPT.toString(),
                java.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }
}
