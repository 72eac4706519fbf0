package io.turnpike.upstream;

import io.turnpike.server.Gateway;
import io.turnpike.testing.RawHttp;
import java.util.function.BooleanSupplier;

/** Small helpers for the resilience tests: one GET through the gateway, waiting for a condition. */
final class Traffic {
    private Traffic() {}

    static RawHttp.Response get(Gateway g, String path) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read();
        }
    }

    /** Polls until {@code condition} holds, or fails after {@code millis}. */
    static void await(long millis, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for: " + what);
            Thread.sleep(10);
        }
    }

    /** A node outside any gateway, for unit tests of its health. */
    static Node nodeFor(String service, String url) {
        var uri = java.net.URI.create(url);
        return new Node(service, new io.turnpike.config.NodeSpec(url, uri.getHost(), uri.getPort(), 1));
    }

    static Node node(Gateway g, String service, int index) {
        return g.snapshot().services().get(service).nodes().get(index);
    }
}
