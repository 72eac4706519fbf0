package io.turnpike.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Programs the tests take from the machine when it has them: redis-server and PostgreSQL (else
 * their builds from Maven artifacts), promtool and Chromium (else the test that needs one skips).
 * Two switches, from the environment so that every test JVM sees them:
 * {@code TURNPIKE_IGNORE_SYSTEM_TOOLS=1} hides the machine's programs, to see what a fresh machine
 * sees; {@code TURNPIKE_REQUIRE_ALL_TOOLS=1} ({@code .ci/run} sets it) makes a missing program fail
 * the test instead of skipping it, so CI cannot pass with a test left out.
 */
public final class SystemTools {
    static final String IGNORE = "TURNPIKE_IGNORE_SYSTEM_TOOLS";
    static final String REQUIRE = "TURNPIKE_REQUIRE_ALL_TOOLS";

    private SystemTools() {}

    /** True when the machine's own programs are to be treated as not installed. */
    public static boolean ignored() {
        return on(IGNORE);
    }

    /** The first executable {@code name} on PATH or in {@code dirs}; empty when there is none or when ignored. */
    public static Optional<Path> find(String name, String... dirs) {
        if (ignored()) return Optional.empty();
        List<String> where = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        where.addAll(List.of(dirs));
        return where.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
    }

    /**
     * Skips the calling test with one line saying what to install when a program it needs (one that
     * no Maven artifact provides) is missing; under {@code TURNPIKE_REQUIRE_ALL_TOOLS=1} fails instead.
     */
    public static void assumeInstalled(boolean installed, String install) {
        if (installed) return;
        if (on(REQUIRE)) throw new AssertionError("missing: " + install + " (" + REQUIRE + "=1 makes this a failure)");
        String line = "skipped: " + install;
        System.out.println(line); // the build log names the reason, not only the report file
        Assumptions.abort(line);
    }

    private static boolean on(String variable) {
        String v = System.getenv(variable);
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }
}
