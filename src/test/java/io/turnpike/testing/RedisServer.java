package io.turnpike.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway {@code redis-server} on a free loopback port, without persistence, for tests of
 * cluster mode. The machine's redis-server when it has one (Debian's package; {@code .ci/run}
 * installs it), else the real build that the com.github.codemonstur:embedded-redis test artifact
 * ships, unpacked once per JVM. A test that needs it fails (never skips) when it cannot start.
 */
public final class RedisServer implements AutoCloseable {
    private static String binary; // found or unpacked once per JVM

    private final int port;
    private Process process;
    private final StringBuffer output = new StringBuffer();

    private RedisServer(int port) {
        this.port = port;
    }

    /** Starts a server and waits until it answers PING. */
    public static RedisServer start() throws Exception {
        RedisServer r = new RedisServer(freePort());
        r.launch();
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static synchronized String binary() throws IOException {
        if (binary == null) {
            Optional<Path> installed = SystemTools.find("redis-server", "/usr/bin", "/usr/local/bin", "/usr/sbin");
            binary = (installed.isPresent() ? installed.get() : unpack()).toString();
        }
        return binary;
    }

    /** Copies the artifact's redis-server for this platform out of its jar, where it cannot be run. */
    private static Path unpack() throws IOException {
        String resource = artifactResource();
        try (InputStream in = RedisServer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError("redis-server is not installed and the test classpath has no " + resource
                        + " (com.github.codemonstur:embedded-redis): apt-get install redis-server");
            }
            Path dir = Files.createTempDirectory("turnpike-redis");
            Path bin = dir.resolve("redis-server");
            dir.toFile().deleteOnExit(); // deleted after the binary: deleteOnExit runs in reverse order
            bin.toFile().deleteOnExit();
            Files.copy(in, bin);
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
            return bin;
        }
    }

    /** The resource name of the build for this OS and CPU in embedded-redis 1.4.4 (see pom.xml). */
    private static String artifactResource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        boolean arm = System.getProperty("os.arch").equals("aarch64");
        if (os.startsWith("linux")) return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        if (os.startsWith("mac")) return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        throw new AssertionError("redis-server is not installed, and embedded-redis has no build for " + os
                + ": install redis-server");
    }

    private void launch() throws Exception {
        output.setLength(0);
        process = new ProcessBuilder(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "yes")
                .redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] b = new byte[4096];
                for (int n; (n = in.read(b)) > 0; ) output.append(new String(b, 0, n, StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the server stopped
            }
        }, "redis-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) break;
            if (pings()) return;
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new AssertionError(binary + " did not start on 127.0.0.1:" + port + ":\n" + output);
    }

    private boolean pings() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] b = new byte[7];
            int n = s.getInputStream().read(b);
            return n > 0 && new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT} */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the server at once (SIGKILL), as a crash would; its data is gone. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts the server again on the same port, empty. */
    public void restart() throws Exception {
        kill();
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
