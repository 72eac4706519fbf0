package io.turnpike.observe.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.turnpike.testing.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real webhook receiver on loopback that keeps what it was sent; it can be stopped and started on the same port. */
final class WebhookReceiver implements AutoCloseable {
    final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    /** What came to {@code /hooks/chat} (the Slack-format channel). */
    final LinkedBlockingQueue<JsonNode> chat = new LinkedBlockingQueue<>();
    private final int port;
    private HttpServer server;

    WebhookReceiver() throws IOException {
        start(0);
        this.port = server.getAddress().getPort();
    }

    private void start(int p) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 16);
        server.createContext("/hooks", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                JsonNode body = Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                (ex.getRequestURI().getPath().endsWith("/chat") ? chat : received).add(body);
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hooks/alerts";
    }

    void down() {
        server.stop(0);
    }

    void up() throws IOException {
        start(port);
    }

    /** Waits for the next notice (up to 5 s); fails when none comes. */
    JsonNode next() throws InterruptedException {
        JsonNode n = received.poll(5, TimeUnit.SECONDS);
        if (n == null) throw new AssertionError("no notice arrived");
        return n;
    }

    /** What else arrives within {@code millis}: used to check nothing more was sent. */
    List<JsonNode> more(long millis) throws InterruptedException {
        Thread.sleep(millis);
        List<JsonNode> out = new ArrayList<>();
        received.drainTo(out);
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
