package io.turnpike.metering;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server (Debian's postgresql package) on a free loopback port: initdb in a
 * temporary folder, trust authentication, fsync off. As root it runs as {@code nobody}, since
 * PostgreSQL refuses to run as root. Fails clearly when PostgreSQL is not installed, unless the
 * tests run with {@code -Dturnpike.postgres=skip}.
 */
final class PostgresServer implements AutoCloseable {
    static final String SKIP = "turnpike.postgres";

    private final Path dir;
    private final Path bin;
    private final int port;

    private PostgresServer(Path dir, Path bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    static boolean skipped() {
        return "skip".equals(System.getProperty(SKIP));
    }

    static PostgresServer start() throws Exception {
        Path bin = findBin();
        if (bin == null) {
            throw new AssertionError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                    + "apt-get install postgresql, or run the tests with -D" + SKIP + "=skip");
        }
        Path dir = Files.createTempDirectory("turnpike-pg");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) run(List.of("chown", "nobody", dir.toString()), false);
        run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("db").toString(), "-U", "turnpike",
                "--auth=trust", "-E", "UTF8", "--no-sync"), root);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("db").toString(), "-l",
                dir.resolve("log").toString(), "-w", "-t", "30", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
                "start"), root);
        PostgresServer pg = new PostgresServer(dir, bin, port);
        run(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "turnpike",
                "-d", "postgres", "-c", "CREATE DATABASE ledger"), root);
        return pg;
    }

    private static Path findBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) return null;
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString)).orElse(null);
        }
    }

    private static void run(List<String> command, boolean asNobody) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asNobody) cmd.addAll(List.of("runuser", "-u", "nobody", "--"));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("PostgreSQL: " + String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    /** The URL {@code storage.ledger} takes. */
    String url() {
        return "postgresql://turnpike@127.0.0.1:" + port + "/ledger";
    }

    @Override
    public void close() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("db").toString(), "-m", "immediate",
                    "-w", "stop"), root);
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
