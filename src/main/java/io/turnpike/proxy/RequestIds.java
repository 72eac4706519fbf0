package io.turnpike.proxy;

import java.util.concurrent.ThreadLocalRandom;

/** Request ids: a client's is kept when it is well-formed, otherwise one is made. */
final class RequestIds {
    private RequestIds() {}

    /** 1..128 characters of {@code [A-Za-z0-9._:-]}: safe to log and to echo back. */
    static boolean wellFormed(CharSequence id) {
        int n = id.length();
        if (n == 0 || n > 128) return false;
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) return false;
        }
        return true;
    }

    static String keepOrMake(String fromClient) {
        return fromClient != null && wellFormed(fromClient) ? fromClient : make();
    }

    /** 128 random bits as 32 hex characters. */
    static String make() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] out = new byte[32];
        TraceContext.hex(r.nextLong(), out, 0);
        TraceContext.hex(r.nextLong(), out, 16);
        return TraceContext.text(out);
    }
}
