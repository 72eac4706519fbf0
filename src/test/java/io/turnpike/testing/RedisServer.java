package io.turnpike.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway {@code redis-server} on a free loopback port, without persistence, for tests of
 * cluster mode. A test that needs it fails (never skips) when it cannot start: install Debian's
 * {@code redis-server} package ({@code .ci/run} does).
 */
public final class RedisServer implements AutoCloseable {
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

    static String binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(":")) {
            Path p = Path.of(dir, "redis-server");
            if (Files.isExecutable(p)) return p.toString();
        }
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        throw new AssertionError("redis-server is not installed: this test needs it (Debian: apt-get install "
                + "redis-server; .ci/run installs it)");
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
        throw new AssertionError("redis-server did not start on 127.0.0.1:" + port + ":\n" + output);
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
