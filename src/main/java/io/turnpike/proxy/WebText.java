package io.turnpike.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * grpc-web-text: the grpc-web frames as base64, both ways, as their bytes pass. A request body may
 * be several base64 chunks one after the other, each padded (a browser encodes each message on its
 * own), split anywhere by the transport: the decoder keeps at most three characters of a 4-character
 * group between buffers. The answer is one base64 text: the encoder keeps at most two bytes of a
 * 3-byte group between buffers and pads only at the end, so any base64 reader takes it.
 */
final class WebText {
    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte PAD = -2;
    private static final byte[] VALUES = new byte[256];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET[i]] = (byte) i;
        VALUES['='] = PAD;
    }

    private WebText() {}

    /** Base64 in, bytes out, one buffer at a time. */
    static final class Decoder {
        private final byte[] group = new byte[4];
        private int have; // characters of the group under way
        private long offset; // characters read so far, for the message

        /**
         * The bytes {@code in}'s characters complete (released here, whatever happens).
         *
         * @throws IllegalArgumentException when they are not base64 (the message is for the client)
         */
        ByteBuf decode(ByteBuf in, ByteBufAllocator alloc) {
            try {
                int n = in.readableBytes();
                if (n == 0) return Unpooled.EMPTY_BUFFER;
                ByteBuf out = alloc.buffer((have + n) / 4 * 3);
                try {
                    for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++, offset++) {
                        byte v = VALUES[in.getByte(i) & 0xff];
                        if (v == -1) throw notBase64("a character outside the base64 alphabet");
                        // '=' pads the end of a group only: in its third place when the fourth is '=' too
                        if (v == PAD ? have < 2 : have == 3 && group[2] == PAD) throw notBase64("misplaced '=' padding");
                        group[have++] = v;
                        if (have == 4) {
                            out.writeByte(group[0] << 2 | group[1] >> 4);
                            if (group[2] != PAD) out.writeByte(group[1] << 4 | group[2] >> 2);
                            if (group[3] != PAD) out.writeByte(group[2] << 6 | group[3]);
                            have = 0;
                        }
                    }
                    return out;
                } catch (RuntimeException e) {
                    out.release();
                    throw e;
                }
            } finally {
                in.release();
            }
        }

        /** The body ended: it must not end within a group. */
        void end() {
            if (have != 0) throw notBase64("it ends within a 4-character group");
        }

        private IllegalArgumentException notBase64(String what) {
            return new IllegalArgumentException("the grpc-web-text body is not valid base64: " + what
                    + " at character " + offset);
        }
    }

    /** Bytes in, base64 out, padded at the end only. */
    static final class Encoder {
        private final byte[] held = new byte[2];
        private int have; // bytes of a 3-byte group carried to the next buffer

        /** {@code in} (released here) as base64; with {@code last}, the held bytes too, padded. */
        ByteBuf encode(ByteBuf in, boolean last, ByteBufAllocator alloc) {
            try {
                int total = have + in.readableBytes();
                int whole = total / 3;
                boolean tail = last && total % 3 != 0;
                if (whole == 0 && !tail) {
                    in.readBytes(held, have, in.readableBytes());
                    have = total;
                    return Unpooled.EMPTY_BUFFER;
                }
                ByteBuf out = alloc.buffer((whole + (tail ? 1 : 0)) * 4);
                for (int g = 0; g < whole; g++) {
                    int b = next(in) << 16 | next(in) << 8 | next(in);
                    out.writeByte(ALPHABET[b >> 18 & 63]).writeByte(ALPHABET[b >> 12 & 63])
                            .writeByte(ALPHABET[b >> 6 & 63]).writeByte(ALPHABET[b & 63]);
                }
                int rest = have + in.readableBytes();
                if (tail) {
                    int b = next(in) << 16 | (rest == 2 ? next(in) << 8 : 0);
                    out.writeByte(ALPHABET[b >> 18 & 63]).writeByte(ALPHABET[b >> 12 & 63])
                            .writeByte(rest == 2 ? ALPHABET[b >> 6 & 63] : '=').writeByte('=');
                } else {
                    in.readBytes(held, 0, rest); // have is 0 here: the held bytes went into the groups
                    have = rest;
                }
                return out;
            } finally {
                in.release();
            }
        }

        /** The next byte: a held one first, then {@code in}'s. */
        private int next(ByteBuf in) {
            if (have > 0) {
                int b = held[0] & 0xff;
                held[0] = held[1];
                have--;
                return b;
            }
            return in.readByte() & 0xff;
        }
    }
}
