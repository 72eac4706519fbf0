package io.turnpike.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged gateway ({@code target/turnpike.jar}) running in its own JVM, for tests that need
 * their own heap limit, signals, or the command line exactly as a user runs it.
 */
public final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*?:(\\d+)");
    /** Logged once the shutdown hook is in place: from then on SIGTERM drains. */
    private static final String READY = "for changes";

    private final Process process;
    private final StringBuffer output;
    private final Thread reader;
    private final int port;

    private GatewayProcess(Process process, int port, StringBuffer output, Thread reader) {
        this.process = process;
        this.port = port;
        this.output = output;
        this.reader = reader;
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("turnpike.jar", "target/turnpike.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests with ./mvnw verify");
        }
        return jar;
    }

    public static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Runs {@code java JVM_ARGS -jar turnpike.jar ARGS} and returns its exit code and output. */
    public static Result run(List<String> jvmArgs, String... args) throws Exception {
        List<String> cmd = command(jvmArgs, args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd + "\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    public record Result(int exit, String output) {}

    private static List<String> command(List<String> jvmArgs, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(jvmArgs);
        // The gateway under test tracks every buffer; a leak shows as a "LEAK:" line in its output.
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=paranoid",
                "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts {@code run -c config} and waits until it listens. */
    public static GatewayProcess start(Path config, String... jvmArgs) throws Exception {
        Process p = new ProcessBuilder(command(List.of(jvmArgs), "run", "-c", config.toString()))
                .redirectErrorStream(true).start();
        StringBuffer out = new StringBuffer();
        int[] port = {-1};
        boolean[] ready = {false};
        Object lock = new Object();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    synchronized (lock) {
                        if (m.find() && port[0] < 0) port[0] = Integer.parseInt(m.group(1));
                        if (line.contains(READY)) ready[0] = true;
                        lock.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            synchronized (lock) {
                lock.notifyAll();
            }
        }, "gateway-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (lock) {
            while (!(port[0] > 0 && ready[0]) && p.isAlive() && System.nanoTime() < deadline) {
                lock.wait(200);
            }
        }
        if (port[0] < 0 || !ready[0]) {
            p.destroyForcibly();
            throw new AssertionError("gateway did not start:\n" + out);
        }
        return new GatewayProcess(p, port[0], out, reader);
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** Everything the process printed so far. */
    public String output() {
        return output.toString();
    }

    /** Sends SIGTERM; unlike {@link Process#destroy()} this keeps reading what the process prints. */
    public void sigterm() {
        process.toHandle().destroy();
    }

    /** Sends SIGTERM and waits for the exit code. */
    public int terminate(long timeoutSeconds) throws InterruptedException {
        sigterm();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        reader.join(2000); // the last lines it printed
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate(10);
        }
    }
}
