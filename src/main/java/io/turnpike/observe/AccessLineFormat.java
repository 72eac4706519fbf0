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
 *
 * <p>A line's room is made once, for the longest it could be (every character of every value
 * escaped: a backslash, {@code u00} and two hex digits), and the line is then written through a
 * local position: no capacity check and no field write per byte, no {@code String} per number.
 */
final class AccessLineFormat {
    /**
     * The time's date and second. The milliseconds always follow, so lines sort as text and every
     * time has the same width.
     */
    private static final DateTimeFormatter SECOND =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Room for everything but the string values: names, punctuation, the time and numbers at their longest. */
    private static final int FIXED_ROOM = 640;
    /** A value character takes at most six bytes escaped (UTF-8 needs at most three per char). */
    private static final int PER_CHAR = 6;

    private static final byte[] TIME_OPEN = ascii("{\"time\":\"");
    private static final byte[] REQUEST_ID = ascii(",\"requestId\":");
    private static final byte[] CLIENT_IP = ascii(",\"clientIp\":");
    private static final byte[] CONSUMER = ascii(",\"consumer\":");
    private static final byte[] ROUTE = ascii(",\"route\":");
    private static final byte[] PROFILE = ascii(",\"profile\":");
    private static final byte[] SERVICE = ascii(",\"service\":");
    private static final byte[] NODE = ascii(",\"node\":");
    private static final byte[] METHOD = ascii(",\"method\":");
    private static final byte[] PATH = ascii(",\"path\":");
    private static final byte[] STATUS = ascii(",\"status\":");
    private static final byte[] GRPC_STATUS = ascii(",\"grpcStatus\":");
    private static final byte[] BYTES_IN = ascii(",\"bytesIn\":");
    private static final byte[] BYTES_OUT = ascii(",\"bytesOut\":");
    private static final byte[] TOTAL_MS = ascii(",\"totalMs\":");
    private static final byte[] UPSTREAM_MS = ascii(",\"upstreamMs\":");
    private static final byte[] RETRIES = ascii(",\"retries\":");
    private static final byte[] OUTCOME = ascii(",\"outcome\":");
    private static final byte[] REJECTION = ascii(",\"rejection\":");
    private static final byte[] TRACE_ID = ascii(",\"traceId\":");
    private static final byte[] DECISION = ascii(",\"decision\":{");
    private static final byte[] AUTH = ascii("\"auth\":");
    private static final byte[] LINE_END = ascii("}}\n");
    private static final byte[] NULL = ascii("null");

    private long second = Long.MIN_VALUE;
    private byte[] secondText;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

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
    }

    /** One line, for tests and anything that wants a single line as text. */
    String format(AccessRecord r) {
        Batch b = new Batch(512);
        append(r, b);
        return new String(b.bytes(), 0, b.length() - 1, StandardCharsets.UTF_8); // without its newline
    }

    /** Appends {@code r} as one JSON line, newline included. */
    void append(AccessRecord r, Batch b) {
        String path = withoutQuery(r.path());
        String rejection = r.rejection() == null ? null : GatewayMetrics.reason(r.rejection());
        long chars = (long) length(r.requestId()) + length(r.clientIp()) + length(r.consumer()) + length(r.route())
                + length(r.profile()) + length(r.service()) + length(r.node()) + length(r.method()) + length(path)
                + length(r.grpcStatus()) + length(r.outcome()) + length(rejection) + length(r.traceId())
                + length(r.auth());
        b.ensure(Math.toIntExact(FIXED_ROOM + PER_CHAR * chars));
        byte[] a = b.bytes;
        int p = b.length;
        p = put(a, p, TIME_OPEN);
        p = time(r.epochMillis(), a, p);
        a[p++] = '"';
        p = string(a, p, REQUEST_ID, r.requestId());
        p = string(a, p, CLIENT_IP, r.clientIp());
        p = string(a, p, CONSUMER, r.consumer());
        p = string(a, p, ROUTE, r.route());
        if (r.profile() != null) p = string(a, p, PROFILE, r.profile());
        p = string(a, p, SERVICE, r.service());
        p = string(a, p, NODE, r.node());
        p = string(a, p, METHOD, r.method());
        p = string(a, p, PATH, path);
        p = number(a, put(a, p, STATUS), r.status());
        if (r.grpcStatus() != null) p = string(a, p, GRPC_STATUS, r.grpcStatus());
        p = number(a, put(a, p, BYTES_IN), r.bytesIn());
        p = number(a, put(a, p, BYTES_OUT), r.bytesOut());
        p = millis(a, put(a, p, TOTAL_MS), r.totalNanos());
        p = put(a, p, UPSTREAM_MS);
        p = r.upstreamNanos() < 0 ? put(a, p, NULL) : millis(a, p, r.upstreamNanos());
        p = number(a, put(a, p, RETRIES), r.retries());
        p = string(a, p, OUTCOME, r.outcome());
        p = string(a, p, REJECTION, rejection);
        p = string(a, p, TRACE_ID, r.traceId());
        p = put(a, p, DECISION); // what auth decided; breakers and rate limits will add theirs
        if (r.auth() != null) p = string(a, p, AUTH, r.auth());
        b.length = put(a, p, LINE_END); // only now: a line that failed half way leaves nothing
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private static int put(byte[] a, int p, byte[] what) {
        System.arraycopy(what, 0, a, p, what.length);
        return p + what.length;
    }

    private int time(long epochMillis, byte[] a, int p) {
        long s = Math.floorDiv(epochMillis, 1000);
        if (s != second) {
            secondText = SECOND.format(Instant.ofEpochSecond(s)).getBytes(StandardCharsets.US_ASCII);
            second = s;
        }
        p = put(a, p, secondText);
        int ms = (int) Math.floorMod(epochMillis, 1000);
        a[p++] = (byte) ('0' + ms / 100);
        a[p++] = (byte) ('0' + ms / 10 % 10);
        a[p++] = (byte) ('0' + ms % 10);
        a[p++] = 'Z';
        return p;
    }

    /** {@code value} in decimal, as {@code Long.toString} writes it. */
    static int number(byte[] a, int p, long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) return put(a, p, ascii(Long.toString(value)));
            a[p++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) digits++;
        for (int i = p + digits - 1; i >= p; i--) {
            a[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return p + digits;
    }

    /** {@code name} then the value as a JSON string (or null), escaped as Jackson escapes. */
    private static int string(byte[] a, int p, byte[] name, String v) {
        p = put(a, p, name);
        if (v == null) return put(a, p, NULL);
        a[p++] = '"';
        for (int i = 0, n = v.length(); i < n; i++) {
            char c = v.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                a[p++] = (byte) c;
            } else if (c < 0x80) {
                p = escape(a, p, c);
            } else if (c < 0x800) {
                a[p++] = (byte) (0xC0 | c >> 6);
                a[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(v.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, v.charAt(++i));
                a[p++] = (byte) (0xF0 | cp >> 18);
                a[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                a[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                a[p++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                a[p++] = '?'; // a lone surrogate has no UTF-8 form
            } else {
                a[p++] = (byte) (0xE0 | c >> 12);
                a[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                a[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        a[p++] = '"';
        return p;
    }

    private static int escape(byte[] a, int p, char c) {
        a[p++] = '\\';
        switch (c) {
            case '"', '\\' -> a[p++] = (byte) c;
            case '\b' -> a[p++] = 'b';
            case '\t' -> a[p++] = 't';
            case '\n' -> a[p++] = 'n';
            case '\f' -> a[p++] = 'f';
            case '\r' -> a[p++] = 'r';
            default -> {
                a[p++] = 'u';
                a[p++] = '0';
                a[p++] = '0';
                a[p++] = HEX[c >> 4];
                a[p++] = HEX[c & 0xF];
            }
        }
        return p;
    }

    /**
     * Milliseconds with microsecond precision, as {@code Double.toString} writes them, without the
     * double-to-text conversion: whole milliseconds, a point, then the microseconds without trailing
     * zeros (at least one digit). The same text for every value under 10^7 ms; from there on
     * Double.toString goes to E notation, so those take it.
     */
    static int millis(byte[] a, int p, long nanos) {
        long micros = Math.round(nanos / 1_000.0);
        if (micros < 0 || micros >= 10_000_000_000L) {
            return put(a, p, ascii(Double.toString(micros / 1_000.0)));
        }
        p = number(a, p, micros / 1000);
        a[p++] = '.';
        int frac = (int) (micros % 1000);
        a[p++] = (byte) ('0' + frac / 100);
        if (frac % 100 != 0) {
            a[p++] = (byte) ('0' + frac / 10 % 10);
            if (frac % 10 != 0) a[p++] = (byte) ('0' + frac % 10);
        }
        return p;
    }

    /** {@link #millis(byte[], int, long)} as text. */
    static String millisText(long nanos) {
        byte[] a = new byte[64];
        return new String(a, 0, millis(a, 0, nanos), StandardCharsets.US_ASCII);
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
