package io.turnpike.compose;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

/**
 * A real HTTP server on a loopback port answering canned JSON per path (the JDK's server, one
 * virtual thread per request, so delays do not hold each other up). Records what it was sent.
 */
final class JsonBackend implements AutoCloseable {
    /** What one path answers. */
    record Answer(int status, String contentType, byte[] body, long delayMillis, boolean gzip) {}

    /** A request as the backend saw it. */
    record Seen(String method, String uri, Map<String, String> headers, String body, long atNanos) {}

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();

    JsonBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    JsonBackend json(String path, String json) {
        return on(path, new Answer(200, "application/json", utf8(json), 0, false));
    }

    JsonBackend json(String path, String json, long delayMillis) {
        return on(path, new Answer(200, "application/json", utf8(json), delayMillis, false));
    }

    JsonBackend on(String path, Answer a) {
        answers.put(path, a);
        return this;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] in = x.getRequestBody().readAllBytes();
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        x.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
        seen.add(new Seen(x.getRequestMethod(), x.getRequestURI().toString(), headers,
                new String(in, StandardCharsets.UTF_8), System.nanoTime()));
        Answer a = answers.get(x.getRequestURI().toString());
        if (a == null) a = answers.get(x.getRequestURI().getPath());
        if (a == null) a = new Answer(404, "application/json", utf8("{\"error\":\"no such thing\"}"), 0, false);
        if (a.delayMillis() > 0) {
            try {
                Thread.sleep(a.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = a.body();
        if (a.gzip()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(b)) {
                z.write(body);
            }
            body = b.toByteArray();
            x.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        if (a.contentType() != null) x.getResponseHeaders().set("Content-Type", a.contentType());
        x.getResponseHeaders().set("ETag", "\"v1\"");
        x.getResponseHeaders().set("X-Internal", "secret-ish");
        x.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        } catch (IOException ignored) {
            // the gateway gave up on this call (a timeout test)
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
