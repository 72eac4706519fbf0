package io.turnpike.proxy;

import java.util.concurrent.ThreadLocalRandom;

/** W3C Trace Context {@code traceparent}: kept when valid, otherwise a new trace is started. */
final class TraceParent {
    private TraceParent() {}

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

    /**
     * The traceparent for the upstream request: the gateway's own span joins the client's trace
     * (same trace id and flags, a new span id as the parent the upstream sees), or, when the client
     * sent no valid traceparent, starts a new sampled trace.
     */
    static String forUpstream(String fromClient) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out;
        if (valid(fromClient)) {
            out = ("00-" + fromClient.substring(3, 35) + "-0000000000000000-" + fromClient.substring(53, 55)).toCharArray();
        } else {
            out = "00-00000000000000000000000000000000-0000000000000000-01".toCharArray();
            RequestIds.hex(r.nextLong() | 1, out, 3);
            RequestIds.hex(r.nextLong(), out, 19);
        }
        RequestIds.hex(r.nextLong() | 1, out, 36);
        return new String(out);
    }

    /** The trace id part of a valid traceparent. */
    static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }
}
