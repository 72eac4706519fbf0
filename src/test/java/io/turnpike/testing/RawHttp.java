package io.turnpike.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A client that sends exact bytes over a socket and reads responses by hand, for the cases a
 * well-behaved HTTP client refuses to produce (smuggling attempts, folded headers, slow senders).
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(port, null);
    }

    /** Connects from {@code localAddress} (any of 127.0.0.0/8 works on Linux): another client IP. */
    public RawHttp(int port, String localAddress) throws IOException {
        socket = localAddress == null ? new Socket("127.0.0.1", port)
                : new Socket(java.net.InetAddress.getByName("127.0.0.1"), port,
                        java.net.InetAddress.getByName(localAddress), 0);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Over a connected socket, e.g. an {@code SSLSocket} after its handshake. */
    public RawHttp(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp sendBytes(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    public Socket socket() {
        return socket;
    }

    /** A parsed response. Header names are lower-case; repeated headers are joined with ", ". */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Reads one response; {@code headRequest} = expect no body whatever the headers say. */
    public Response read(boolean headRequest) throws IOException {
        String statusLine = line();
        while (statusLine.isEmpty()) statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.merge(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean noBody = headRequest || status == 204 || status == 304 || status / 100 == 1;
        if (!noBody) {
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (true) {
                    int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                    if (size == 0) {
                        for (String t = line(); !t.isEmpty(); t = line()) {
                            int c = t.indexOf(':');
                            headers.put("trailer:" + t.substring(0, c).trim().toLowerCase(Locale.ROOT),
                                    t.substring(c + 1).trim());
                        }
                        break;
                    }
                    body.write(in.readNBytes(size));
                    line();
                }
            } else if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else {
                body.write(in.readAllBytes());
            }
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    public Response read() throws IOException {
        return read(false);
    }

    /** True when the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c == -1 && b.size() == 0) throw new IOException("connection closed");
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
