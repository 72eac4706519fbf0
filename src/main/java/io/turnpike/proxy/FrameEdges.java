package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Where the WebSocket frames of one direction begin and end, followed as their bytes pass: it
 * reads each frame's header (RFC 6455 5.2) and skips its payload, so the gateway can put a frame of
 * its own (a close) between two frames without decoding, unmasking or inflating anything.
 */
final class FrameEdges {
    private final byte[] head = new byte[14]; // 2 + 8 (extended length) + 4 (mask key) at most
    private int have; // header bytes of the frame under way seen so far
    private long payload; // its payload bytes still to come

    /** True between two frames. */
    boolean atEdge() {
        return have == 0 && payload == 0;
    }

    /** Follows {@code buf}'s readable bytes (its indexes do not move). */
    void pass(ByteBuf buf) {
        scan(buf, false);
    }

    /**
     * How many of {@code buf}'s readable bytes finish the frame under way: all of them when it does
     * not end within them, 0 at an edge. The state follows those bytes only.
     */
    int toEdge(ByteBuf buf) {
        return scan(buf, true);
    }

    private int scan(ByteBuf buf, boolean stopAtEdge) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int i = start;
        while (i < end && !(stopAtEdge && atEdge())) {
            if (payload > 0) {
                int skip = (int) Math.min(payload, end - i);
                i += skip;
                payload -= skip;
                continue;
            }
            head[have++] = buf.getByte(i++);
            if (have == headerLength()) {
                payload = payloadLength();
                have = 0;
            }
        }
        return i - start;
    }

    /** The header's length once its second byte is known (until then more than can be seen). */
    private int headerLength() {
        if (have < 2) return Integer.MAX_VALUE;
        int len7 = head[1] & 0x7f;
        int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        return 2 + ext + ((head[1] & 0x80) != 0 ? 4 : 0);
    }

    private long payloadLength() {
        int len7 = head[1] & 0x7f;
        if (len7 < 126) return len7;
        int n = len7 == 126 ? 2 : 8;
        long v = 0;
        for (int k = 0; k < n; k++) v = v << 8 | (head[2 + k] & 0xff);
        return v & Long.MAX_VALUE; // the top bit must be 0; a peer that sets it only lengthens its frame
    }

    /** A close frame with {@code code} and no reason; {@code masked} as a client's frames must be. */
    static byte[] close(int code, boolean masked) {
        byte hi = (byte) (code >> 8);
        byte lo = (byte) code;
        if (!masked) return new byte[] {(byte) 0x88, 0x02, hi, lo};
        byte[] key = new byte[4];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(key);
        return new byte[] {(byte) 0x88, (byte) 0x82, key[0], key[1], key[2], key[3], (byte) (hi ^ key[0]), (byte) (lo ^ key[1])};
    }
}
