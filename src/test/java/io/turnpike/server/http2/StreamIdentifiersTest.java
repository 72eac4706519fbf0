package io.turnpike.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.turnpike.testing.NoLeaks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The frame headers followed across reads, however the bytes are split, and the ids remembered. */
@ExtendWith(NoLeaks.class)
class StreamIdentifiersTest {
    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();

    StreamIdentifiersTest() {
        wire.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(4, 0, 0, 6); // SETTINGS with one setting
    }

    private void frame(int type, int flags, int stream, int length) {
        wire.writeBytes(new byte[] {0, 0, (byte) length, (byte) type, (byte) flags,
                (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream});
        wire.writeBytes(new byte[length]);
    }

    private void headers(int stream, boolean end) { frame(1, 0x4 | (end ? 1 : 0), stream, 3); }

    /** Feeds the wire {@code step} bytes a read; returns the connection error, or null, and how many bytes passed. */
    private Http2Error feed(int step, long[] passed) {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamIdentifiers());
        byte[] bytes = wire.toByteArray();
        Http2Error error = null;
        try {
            for (int i = 0; i < bytes.length && error == null; i += step) {
                try {
                    ch.writeInbound(Unpooled.copiedBuffer(bytes, i, Math.min(step, bytes.length - i))); // rethrows what reached the end
                } catch (Exception e) {
                    error = ((Http2Exception) e).error();
                }
            }
            for (ByteBuf b; (b = ch.readInbound()) != null; b.release()) passed[0] += b.readableBytes();
        } finally {
            ch.finishAndReleaseAll();
        }
        return error;
    }

    @Test
    void aLowerIdThanOneUsedIsAProtocolErrorWhereverTheReadsSplit() {
        headers(5, true);
        frame(0, 0, 0, 0); // DATA on stream 0: not this handler's business
        int before = wire.size();
        headers(3, true);
        for (int step : new int[] {1, 2, 7, 9, 10, 1000}) {
            long[] passed = {0};
            assertThat(feed(step, passed)).as("step " + step).isEqualTo(Http2Error.PROTOCOL_ERROR);
            // the frames before it, and at most the part of its header that came in earlier reads
            assertThat(passed[0]).as("step " + step).isBetween((long) before, (long) before + 8);
        }
    }

    @Test
    void trailersOnAStreamTheClientHasNotEndedPass() {
        headers(1, false);
        frame(0, 0, 1, 4);
        headers(1, true); // trailers
        headers(3, true);
        long[] passed = {0};
        assertThat(feed(5, passed)).isNull();
        assertThat(passed[0]).isEqualTo(wire.size());
    }

    @Test
    void headersAfterTheClientEndedTheStreamAreStreamClosed() {
        headers(1, false);
        frame(0, 1, 1, 4); // DATA with END_STREAM
        headers(1, true);
        assertThat(feed(4, new long[1])).isEqualTo(Http2Error.STREAM_CLOSED);
    }

    @Test
    void onlyTheLast256StreamsAreRemembered() {
        for (int s = 1; s < 2 * 300; s += 2) headers(s, true);
        headers(1, true); // forgotten: the codec's to judge
        assertThat(feed(1000, new long[1])).isNull();
        headers(599, true); // remembered, ended
        assertThat(feed(1000, new long[1])).isEqualTo(Http2Error.STREAM_CLOSED);
    }
}
