package io.turnpike.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client threads sending GETs over keep-alive connections (each reopened after 50 requests) until
 * stopped; every answer that is not 200, and every I/O error, is kept as a failure.
 */
public final class KeepAliveLoad implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger ok = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();

    public static KeepAliveLoad start(int port, String path, int clients) {
        KeepAliveLoad load = new KeepAliveLoad();
        for (int t = 0; t < clients; t++) {
            Thread th = new Thread(() -> load.run(port, path), "load-" + t);
            th.start();
            load.threads.add(th);
        }
        return load;
    }

    private void run(int port, String path) {
        while (running.get()) {
            try (RawHttp c = new RawHttp(port)) {
                for (int i = 0; i < 50 && running.get(); i++) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawHttp.Response r = c.read();
                    if (r.status() == 200) ok.incrementAndGet();
                    else failures.add(r.status() + " " + r.body());
                }
            } catch (Exception e) {
                failures.add(e.toString());
            }
        }
    }

    /** Stops the clients and waits for them. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread th : threads) th.join();
    }

    public int ok() { return ok.get(); }
    public List<String> failures() { return List.copyOf(failures); }
}
