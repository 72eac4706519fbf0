package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.turnpike.testing.NoLeaks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** base64 both ways with the buffers split anywhere, as the transport splits a grpc-web-text body. */
@ExtendWith(NoLeaks.class)
class WebTextTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final Random random = new Random(16);

    @Test
    void encodingInPiecesIsBase64OfTheWholePaddedAtTheEndOnly() {
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[random.nextInt(100)];
            random.nextBytes(data);
            WebText.Encoder e = new WebText.Encoder();
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (at < data.length) {
                int n = Math.min(data.length - at, random.nextInt(8));
                out.append(text(e.encode(Unpooled.copiedBuffer(data, at, n), false, alloc)));
                at += n;
            }
            out.append(text(e.encode(Unpooled.EMPTY_BUFFER, true, alloc)));
            assertThat(out.toString()).isEqualTo(Base64.getEncoder().encodeToString(data));
        }
    }

    @Test
    void decodingTakesConcatenatedPaddedChunksSplitAnywhere() {
        for (int round = 0; round < 200; round++) {
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            StringBuilder text = new StringBuilder();
            for (int chunk = random.nextInt(4); chunk >= 0; chunk--) {
                byte[] data = new byte[random.nextInt(20)];
                random.nextBytes(data);
                whole.writeBytes(data);
                text.append(Base64.getEncoder().encodeToString(data)); // each padded on its own
            }
            WebText.Decoder d = new WebText.Decoder();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int at = 0;
            while (at < text.length()) {
                int n = Math.min(text.length() - at, 1 + random.nextInt(6));
                out.writeBytes(bytes(d.decode(ascii(text.substring(at, at + n)), alloc)));
                at += n;
            }
            d.end();
            assertThat(out.toByteArray()).isEqualTo(whole.toByteArray());
        }
    }

    @Test
    void whatIsNotBase64IsRefusedWithWhereItWent() {
        assertThatThrownBy(() -> new WebText.Decoder().decode(ascii("QUJD\nREVG"), alloc))
                .hasMessageContaining("outside the base64 alphabet at character 4");
        assertThatThrownBy(() -> new WebText.Decoder().decode(ascii("QU=D"), alloc)).hasMessageContaining("misplaced '='");
        assertThatThrownBy(() -> new WebText.Decoder().decode(ascii("Q==="), alloc)).hasMessageContaining("misplaced '='");
        WebText.Decoder d = new WebText.Decoder();
        d.decode(ascii("QUJDR"), alloc).release();
        assertThatThrownBy(d::end).hasMessageContaining("ends within a 4-character group");
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuf b) {
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static String text(ByteBuf b) {
        return new String(bytes(b), StandardCharsets.US_ASCII);
    }
}
