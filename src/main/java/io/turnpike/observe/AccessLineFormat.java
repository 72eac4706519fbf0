package io.turnpike.observe;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * Turns an {@link AccessRecord} into one line of JSON, written as UTF-8 bytes straight into the
 * writer's batch: no generator, no intermediate String, the time's date part made once a second.
 * The output is what Jackson's generator wrote before (same fields, order, escapes and numbers).
 * Used by the log's writer thread only.
 */
final class AccessLineFormat {
    /** Millisecond precision always, so lines sort as text and every time has the same width. */
    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECOND =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private long second = Long.MIN_VALUE;
    private byte[] secondText;

    /** Lines appended one after another, each ending in a newline. */
    static final class Batch {
        private byte[] bytes;
        private int length;

        Batch(int capacity) {
            bytes = new byte[capacity];
        }

        byte[] bytes() { return bytes; }
        int length() { return length; }
        void clear() { length = 0; }

        private void ensure(int more) {
            if (length + more > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }

        private void put(byte b) {
            ensure(1);
            bytes[length++] = b;
        }

        private void put(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }

        private void ascii(String s) {
            int n = s.length();
            ensure(n);
            for (int i = 0; i < n; i++) bytes[length++] = (byte) s.charAt(i);
        }
    }

    /** One line, for tests and anything that wants a single line as text. */
    String format(AccessRecord r) {
        Batch b = new Batch(512);
        append(r, b);
        return new String(b.bytes(), 0, b.length() - 1, StandardCharsets.UTF_8); // without its newline
    }

    /** Appends {@code r} as one JSON line, newline included. */
    void append(AccessRecord r, Batch b) {
        int start = b.length;
        try {
            b.ascii("{\"time\":\"");
            time(r.epochMillis(), b);
            b.put((byte) '"');
            string(b, ",\"requestId\":", r.requestId());
            string(b, ",\"clientIp\":", r.clientIp());
            string(b, ",\"consumer\":", r.consumer());
            string(b, ",\"route\":", r.route());
            if (r.profile() != null) string(b, ",\"profile\":", r.profile());
            string(b, ",\"service\":", r.service());
            string(b, ",\"node\":", r.node());
            string(b, ",\"method\":", r.method());
            string(b, ",\"path\":", withoutQuery(r.path()));
            number(b, ",\"status\":", r.status());
            if (r.grpcStatus() != null) string(b, ",\"grpcStatus\":", r.grpcStatus());
            number(b, ",\"bytesIn\":", r.bytesIn());
            number(b, ",\"bytesOut\":", r.bytesOut());
            b.ascii(",\"totalMs\":");
            millis(b, r.totalNanos());
            b.ascii(",\"upstreamMs\":");
            if (r.upstreamNanos() < 0) b.ascii("null"); else millis(b, r.upstreamNanos());
            number(b, ",\"retries\":", r.retries());
            string(b, ",\"outcome\":", r.outcome());
            string(b, ",\"rejection\":", r.rejection() == null ? null : GatewayMetrics.reason(r.rejection()));
            string(b, ",\"traceId\":", r.traceId());
            b.ascii(",\"decision\":{"); // what auth decided; breakers and rate limits will add theirs
            if (r.auth() != null) string(b, "\"auth\":", r.auth());
            b.ascii("}}\n");
        } catch (RuntimeException e) {
            b.length = start; // no half line in the batch
            throw e;
        }
    }

    private void time(long epochMillis, Batch b) {
        long s = Math.floorDiv(epochMillis, 1000);
        if (s != second) {
            secondText = SECOND.format(Instant.ofEpochSecond(s)).getBytes(StandardCharsets.US_ASCII);
            second = s;
        }
        b.put(secondText);
        int ms = (int) Math.floorMod(epochMillis, 1000);
        b.put((byte) ('0' + ms / 100));
        b.put((byte) ('0' + ms / 10 % 10));
        b.put((byte) ('0' + ms % 10));
        b.put((byte) 'Z');
    }

    private static void number(Batch b, String name, long value) {
        b.ascii(name);
        b.ascii(Long.toString(value));
    }

    /** {@code name} then the value as a JSON string (or null), escaped as Jackson escapes. */
    private static void string(Batch b, String name, String v) {
        b.ascii(name);
        if (v == null) {
            b.ascii("null");
            return;
        }
        b.ensure(v.length() + 2);
        b.put((byte) '"');
        for (int i = 0, n = v.length(); i < n; i++) {
            char c = v.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                b.put((byte) c);
            } else if (c < 0x80) {
                escape(b, c);
            } else if (c < 0x800) {
                b.put((byte) (0xC0 | c >> 6));
                b.put((byte) (0x80 | c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(v.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, v.charAt(++i));
                b.put((byte) (0xF0 | cp >> 18));
                b.put((byte) (0x80 | cp >> 12 & 0x3F));
                b.put((byte) (0x80 | cp >> 6 & 0x3F));
                b.put((byte) (0x80 | cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                b.put((byte) '?'); // a lone surrogate has no UTF-8 form
            } else {
                b.put((byte) (0xE0 | c >> 12));
                b.put((byte) (0x80 | c >> 6 & 0x3F));
                b.put((byte) (0x80 | c & 0x3F));
            }
        }
        b.put((byte) '"');
    }

    private static void escape(Batch b, char c) {
        b.put((byte) '\\');
        switch (c) {
            case '"', '\\' -> b.put((byte) c);
            case '\b' -> b.put((byte) 'b');
            case '\t' -> b.put((byte) 't');
            case '\n' -> b.put((byte) 'n');
            case '\f' -> b.put((byte) 'f');
            case '\r' -> b.put((byte) 'r');
            default -> {
                b.ascii("u00");
                b.put(HEX[c >> 4]);
                b.put(HEX[c & 0xF]);
            }
        }
    }

    /**
     * Milliseconds with microsecond precision, as {@code Double.toString} writes them, without the
     * double-to-text conversion: whole milliseconds, a point, then the microseconds without trailing
     * zeros (at least one digit). The same text for every value under 10^7 ms; from there on
     * Double.toString goes to E notation, so those take it.
     */
    static void millis(Batch b, long nanos) {
        long micros = Math.round(nanos / 1_000.0);
        if (micros < 0 || micros >= 10_000_000_000L) {
            b.ascii(Double.toString(micros / 1_000.0));
            return;
        }
        b.ascii(Long.toString(micros / 1000));
        b.put((byte) '.');
        int frac = (int) (micros % 1000);
        b.put((byte) ('0' + frac / 100));
        if (frac % 100 != 0) {
            b.put((byte) ('0' + frac / 10 % 10));
            if (frac % 10 != 0) b.put((byte) ('0' + frac % 10));
        }
    }

    /** {@link #millis(Batch, long)} as text. */
    static String millisText(long nanos) {
        Batch b = new Batch(32);
        millis(b, nanos);
        return new String(b.bytes(), 0, b.length(), StandardCharsets.US_ASCII);
    }

    /**
     * The path is normalised and query-free, except for a target that could not be normalised, which
     * is logged raw: its query is cut, since queries are where clients put tokens.
     */
    static String withoutQuery(String path) {
        if (path == null) return null;
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }
}
