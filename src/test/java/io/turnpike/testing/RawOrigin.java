package io.turnpike.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * An origin that parses requests the way a plain HTTP/1.1 server does (head, then a
 * Content-Length or chunked body, then the next request on the same connection) and records each
 * one exactly as it arrived. It is the witness for smuggling tests: if the gateway's framing and
 * an ordinary server's reading of it disagree, a second request shows up here.
 */
public final class RawOrigin implements AutoCloseable {
    /** One request as the origin read it: request line, headers in order (names as sent), body. */
    public record Seen(String requestLine, List<String[]> headers, byte[] body) {
        public String header(String name) {
            String found = null;
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) found = found == null ? h[1] : found + ", " + h[1];
            }
            return found;
        }

        public int count(String name) {
            int n = 0;
            for (String[] h : headers) if (h[0].equalsIgnoreCase(name)) n++;
            return n;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    public final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    /** Request lines whose head arrived, whether or not the rest of the request did. */
    public final ConcurrentLinkedQueue<String> started = new ConcurrentLinkedQueue<>();
    private final ServerSocket server;
    private volatile Function<Seen, String> answer = s -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private volatile Function<Seen, String> late = s -> null;
    private volatile long lateMillis;

    public RawOrigin() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    /** The raw response (head and body) written for each request. */
    public RawOrigin answer(Function<Seen, String> answer) {
        this.answer = answer;
        return this;
    }

    /**
     * Bytes written {@code millis} after the answer to a request, when {@code late} gives any: what a
     * node sends while the connection is idle.
     */
    public RawOrigin later(long millis, Function<Seen, String> late) {
        this.lateMillis = millis;
        this.late = late;
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public List<String> requestLines() {
        List<String> out = new ArrayList<>();
        for (Seen s : seen) out.add(s.requestLine());
        return out;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            while (true) {
                String line = line(in);
                if (line == null) return;
                if (line.isEmpty()) continue;
                List<String[]> headers = new ArrayList<>();
                long length = 0;
                boolean chunked = false;
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    int c = h.indexOf(':');
                    String name = c < 0 ? h : h.substring(0, c);
                    String value = c < 0 ? "" : h.substring(c + 1).trim();
                    headers.add(new String[] {name, value});
                    if (name.equalsIgnoreCase("content-length")) length = Long.parseLong(value);
                    if (name.equalsIgnoreCase("transfer-encoding")
                            && value.toLowerCase(Locale.ROOT).contains("chunked")) chunked = true;
                }
                started.add(line);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                if (chunked) {
                    while (true) {
                        String size = line(in);
                        if (size == null) return;
                        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                        if (n == 0) {
                            for (String t = line(in); t != null && !t.isEmpty(); t = line(in)) {
                                int c = t.indexOf(':'); // merged into the headers, as some servers do
                                headers.add(new String[] {c < 0 ? t : t.substring(0, c), c < 0 ? "" : t.substring(c + 1).trim()});
                            }
                            break;
                        }
                        body.write(in.readNBytes(n));
                        line(in);
                    }
                } else if (length > 0) {
                    body.write(in.readNBytes((int) length));
                }
                Seen one = new Seen(line, headers, body.toByteArray());
                seen.add(one);
                out.write(answer.apply(one).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String more = late.apply(one);
                if (more != null) {
                    Thread.sleep(lateMillis);
                    out.write(more.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            // the gateway closed the connection, or sent something this simple reader cannot take
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
