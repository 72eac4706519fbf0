package io.turnpike.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.turnpike.config.Limits;
import io.turnpike.testing.NoLeaks;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The response half of the client codec: what goes on the wire for answers to HEAD. A body or
 * chunk framing after a HEAD answer would be read by the client as the start of the next
 * response, so it must be absent; the HEAD mark must last until the final (non-1xx) response.
 */
@ExtendWith(NoLeaks.class)
class ServerCodecTest {
    private static final String CHUNKED_HEAD = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";

    private ServerCodec codec;
    private EmbeddedChannel ch;

    @BeforeEach
    void open() {
        codec = new ServerCodec(new HttpDecoderConfig(), Limits.DEFAULT, () -> { });
        ch = new EmbeddedChannel();
        codec.addTo(ch.pipeline());
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    /** Everything written to the socket since the last call. */
    private String wire() {
        StringBuilder s = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            s.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return s.toString();
    }

    private static HttpResponse chunkedOk() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        return r;
    }

    private void writeChunked(String body) {
        ch.write(chunkedOk());
        ch.write(new DefaultHttpContent(Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1)));
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @Test
    void framesAChunkedResponseToGet() {
        writeChunked("hello");
        assertThat(wire()).isEqualTo(CHUNKED_HEAD + "5\r\nhello\r\n0\r\n\r\n");
    }

    @Test
    void writesNoChunkFramingForHead() {
        codec.nextResponseForHead(true);
        writeChunked("hello");
        assertThat(wire()).isEqualTo(CHUNKED_HEAD);
    }

    @Test
    void writesNoBodyForHeadEvenWhenGivenOne() {
        codec.nextResponseForHead(true);
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("hello", StandardCharsets.ISO_8859_1));
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
        ch.writeAndFlush(r);
        assertThat(wire()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
    }

    @Test
    void theHeadMarkCoversOneResponseOnly() {
        codec.nextResponseForHead(true);
        writeChunked("hello");
        assertThat(wire()).isEqualTo(CHUNKED_HEAD);
        writeChunked("again");
        assertThat(wire()).as("the next response answers a GET").isEqualTo(CHUNKED_HEAD + "5\r\nagain\r\n0\r\n\r\n");
    }

    @Test
    void anInterimResponseDoesNotUseUpTheHeadMark() {
        codec.nextResponseForHead(true);
        ch.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        assertThat(wire()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        writeChunked("hello");
        assertThat(wire()).as("the final answer to the HEAD").isEqualTo(CHUNKED_HEAD);
    }

    @Test
    void aClearedMarkFramesTheBody() {
        codec.nextResponseForHead(true);
        codec.nextResponseForHead(false); // a local answer replaced the one that was going to answer HEAD
        writeChunked("hello");
        assertThat(wire()).isEqualTo(CHUNKED_HEAD + "5\r\nhello\r\n0\r\n\r\n");
    }
}
