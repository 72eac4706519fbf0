package io.turnpike.upstream.balance;

import io.turnpike.testing.RawHttp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Client threads, each sending GETs one after another on its own keep-alive connection. */
final class ClientLoad {
    private ClientLoad() {}

    /** Runs {@code clients} threads of {@code perClient} requests each and returns every response. */
    static List<RawHttp.Response> run(int port, String path, int clients, int perClient) throws InterruptedException {
        ConcurrentLinkedQueue<RawHttp.Response> out = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    RawHttp conn = new RawHttp(port);
                    for (int i = 0; i < perClient; i++) {
                        conn.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                        RawHttp.Response r = conn.read();
                        out.add(r);
                        if ("close".equalsIgnoreCase(r.header("connection"))) {
                            conn.close();
                            conn = new RawHttp(port);
                        }
                    }
                    conn.close();
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (!errors.isEmpty()) throw new AssertionError("client failed", errors.peek());
        return List.copyOf(out);
    }
}
