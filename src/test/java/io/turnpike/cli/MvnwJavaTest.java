package io.turnpike.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mvnw} on a machine whose default java is too old for Turnpike: it runs Maven on the JDK
 * 21+ that scripts/find-java finds in the system's JVM folders, as the launcher does.
 */
class MvnwJavaTest {
    @TempDir
    Path dir;

    @Test
    void passesOverAnOldJavaOnPathForANewerJdk() throws Exception {
        Path old = script(dir.resolve("old/bin/java"), "echo 'openjdk version \"17.0.15\" 2025-04-15' >&2");
        // a JDK folder whose java is the one running this test (21+, since the build requires it)
        Path realJava = Path.of(System.getProperty("java.home"), "bin", "java");
        script(dir.resolve("jvm/jdk-new/bin/java"), "exec " + realJava + " \"$@\"");

        ProcessBuilder pb = new ProcessBuilder("./mvnw", "-v").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        env.put("PATH", old.getParent() + ":/usr/bin:/bin");
        env.put("TURNPIKE_JVM_DIRS", dir.resolve("jvm").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains(old + " is Java 17", "using " + dir.resolve("jvm/jdk-new"))
                .contains("Java version: " + System.getProperty("java.version"))
                .contains("runtime: " + System.getProperty("java.home"));
    }

    private static Path script(Path file, String body) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
