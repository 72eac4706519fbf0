package io.turnpike.proxy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context for one exchange. The gateway's span for the request joins the client's trace
 * (same trace id and flags) or starts a new sampled one; each upstream attempt is a child span,
 * and the upstream sees that attempt's span id as its parent.
 */
final class TraceContext {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    final String traceId;
    /** The client's span (its traceparent's parent id); null when the trace starts here. */
    final String parentSpanId;
    final String flags;
    /** The gateway's span for the whole request. */
    final String spanId = newSpanId();

    private TraceContext(String traceId, String parentSpanId, String flags) {
        this.traceId = traceId;
        this.parentSpanId = parentSpanId;
        this.flags = flags;
    }

    /** Joins the client's trace when its traceparent is valid, else starts a new sampled trace. */
    static TraceContext from(String traceparent) {
        if (valid(traceparent)) {
            return new TraceContext(traceparent.substring(3, 35), traceparent.substring(36, 52),
                    traceparent.substring(53, 55));
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] id = new byte[32];
        hex(r.nextLong(), id, 0);
        hex(r.nextLong() | 1, id, 16);
        return new TraceContext(text(id), null, "01");
    }

    boolean sampled() {
        return (Character.digit(flags.charAt(1), 16) & 1) == 1;
    }

    /** The traceparent an upstream attempt carries: this trace, that attempt's span as parent. */
    String header(String attemptSpanId) {
        return "00-" + traceId + "-" + attemptSpanId + "-" + flags;
    }

    static String newSpanId() {
        byte[] id = new byte[16];
        hex(ThreadLocalRandom.current().nextLong() | 1, id, 0);
        return text(id);
    }

    /** {@code 2hex-32hex-16hex-2hex}, version not ff, trace and parent ids not all zeros. */
    static boolean valid(String v) {
        if (v == null || v.length() < 55) return false;
        if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') return false;
        if (!lowerHex(v, 0, 2) || !lowerHex(v, 3, 35) || !lowerHex(v, 36, 52) || !lowerHex(v, 53, 55)) return false;
        if (v.startsWith("ff")) return false;
        if (v.startsWith("00") && v.length() != 55) return false;
        if (v.length() > 55 && v.charAt(55) != '-') return false;
        return !zeros(v, 3, 35) && !zeros(v, 36, 52);
    }

    private static boolean lowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') return false;
        }
        return true;
    }

    /** ASCII hex digits as a String; made from bytes, not chars, there is no pass to narrow them. */
    static String text(byte[] hexDigits) {
        return new String(hexDigits, StandardCharsets.ISO_8859_1);
    }

    static void hex(long v, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }
}
