package io.turnpike.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/2 frame by frame over a plain socket (prior knowledge), for conformance tests: it sends
 * whatever frames a test writes, however wrong (header blocks are HPACK literals, so names may be
 * upper-case, pseudo-headers repeated or out of order), and reports how the server took them.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0, HEADERS = 1, PRIORITY = 2, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            WINDOW_UPDATE = 8, CONTINUATION = 9;
    public static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY_FLAG = 0x20;
    private static final String[] ERRORS = {"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
            "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);
    private final String authority;
    private boolean holding;

    /** Connects, sends the preface and an empty SETTINGS, and waits for the server's SETTINGS (acknowledged). */
    public RawH2(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(3000);
        out = new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = new DataInputStream(socket.getInputStream());
        authority = "127.0.0.1:" + port;
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
        while (true) {
            Frame f = read();
            if (f == null) throw new EOFException("closed before its SETTINGS");
            if (f.type == SETTINGS && (f.flags & ACK) == 0) break;
        }
        frame(SETTINGS, ACK, 0, new byte[0]);
    }

    /** How long {@link #outcome} waits in silence before it says {@code no answer} (3 s unless set). */
    public RawH2 silence(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** One frame as it is given. */
    public RawH2 frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
                (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream};
        out.write(head);
        out.write(payload);
        if (!holding) out.flush();
        return this;
    }

    /**
     * Holds the frames written from now on until {@link #release}, which sends them in one write:
     * the server reads them together, so a frame that must meet a stream in a given state (DATA
     * after END_STREAM) is not raced by the server's own answer.
     */
    public RawH2 hold() {
        holding = true;
        return this;
    }

    public RawH2 release() throws IOException {
        holding = false;
        out.flush();
        return this;
    }

    /** A HEADERS frame ({@code END_HEADERS} added) with the fields given as name, value, name, value... */
    public RawH2 headers(int stream, boolean endStream, String... fields) throws IOException {
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(fields));
    }

    /** A GET's four pseudo-headers for this server, then {@code more} fields. */
    public String[] get(String path, String... more) {
        return request("GET", path, more);
    }

    public String[] request(String method, String path, String... more) {
        String[] f = new String[8 + more.length];
        String[] pseudo = {":method", method, ":scheme", "http", ":path", path, ":authority", authority};
        System.arraycopy(pseudo, 0, f, 0, 8);
        System.arraycopy(more, 0, f, 8, more.length);
        return f;
    }

    public RawH2 data(int stream, boolean endStream, byte[] bytes) throws IOException {
        return frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    public RawH2 windowUpdate(int stream, int increment) throws IOException {
        return frame(WINDOW_UPDATE, 0, stream, int32(increment));
    }

    public RawH2 reset(int stream, int code) throws IOException {
        return frame(RST_STREAM, 0, stream, int32(code));
    }

    /** An HPACK block of literal fields without indexing, new names: nothing checked, nothing changed. */
    public static byte[] block(String... fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            b.write(0);
            string(b, fields[i]);
            string(b, fields[i + 1]);
        }
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(b, 0, 7, bytes.length);
        b.writeBytes(bytes);
    }

    /** An HPACK integer (RFC 7541 5.1) with {@code prefix} bits after {@code first}'s high bits. */
    public static void integer(ByteArrayOutputStream b, int first, int prefix, int value) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            b.write(first | value);
            return;
        }
        b.write(first | max);
        value -= max;
        while (value >= 128) {
            b.write(value & 0x7f | 0x80);
            value >>>= 7;
        }
        b.write(value);
    }

    private static byte[] int32(int v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /**
     * What the server did about {@code stream}, read frame by frame until something settles it:
     * {@code RST_STREAM <code>} on the stream, {@code GOAWAY <code>}, {@code answered <status>} (its
     * response ended), {@code closed} (the connection, without GOAWAY), or {@code no answer} (3 s of
     * silence, or as {@link #silence} sets). Frames on other streams, SETTINGS, PING and WINDOW_UPDATE pass.
     */
    public String outcome(int stream) throws IOException {
        String status = null;
        while (true) {
            Frame f;
            try {
                f = read();
            } catch (SocketTimeoutException e) {
                return "no answer";
            }
            if (f == null) return "closed";
            if (f.type == GOAWAY) return "GOAWAY " + error(f.payload, 4);
            if (f.stream != stream) continue;
            if (f.type == RST_STREAM) return "RST_STREAM " + error(f.payload, 0);
            if (f.type == HEADERS && status == null) status = f.status;
            if ((f.type == HEADERS || f.type == DATA) && (f.flags & END_STREAM) != 0) return "answered " + status;
        }
    }

    /** Whether the server still serves this connection: a new stream's GET is answered. */
    public String serves(int stream, String path) throws IOException {
        headers(stream, true, get(path));
        return outcome(stream);
    }

    private static String error(byte[] p, int at) {
        int code = (p[at] & 0xff) << 24 | (p[at + 1] & 0xff) << 16 | (p[at + 2] & 0xff) << 8 | p[at + 3] & 0xff;
        return code < ERRORS.length ? ERRORS[code] : "0x" + Integer.toHexString(code);
    }

    private record Frame(int type, int flags, int stream, byte[] payload, String status) {}

    /** The next frame, or null at the end of the connection (a reset counts as one). */
    private Frame read() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException | java.net.SocketException e) {
            return null;
        }
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        int type = head[3] & 0xff;
        int flags = head[4] & 0xff;
        int stream = ((head[5] & 0x7f) << 24) | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
        byte[] payload = new byte[length];
        try {
            in.readFully(payload);
        } catch (EOFException | java.net.SocketException e) {
            return null;
        }
        String status = type == HEADERS ? status(stream, flags, payload) : null;
        return new Frame(type, flags, stream, payload, status);
    }

    /** The {@code :status} of a HEADERS frame, decoded (every block must be, to keep HPACK's table in step). */
    private String status(int stream, int flags, byte[] payload) throws IOException {
        int start = 0;
        int end = payload.length;
        if ((flags & PADDED) != 0) {
            end -= payload[0] & 0xff;
            start = 1;
        }
        if ((flags & PRIORITY_FLAG) != 0) start += 5;
        ByteBuf block = Unpooled.wrappedBuffer(payload, start, end - start);
        try {
            Http2Headers h = hpack.decodeHeaders(stream, block);
            return h.status() == null ? "" : h.status().toString();
        } catch (Http2Exception e) {
            throw new IOException("the server's header block does not decode", e);
        } finally {
            block.release();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
