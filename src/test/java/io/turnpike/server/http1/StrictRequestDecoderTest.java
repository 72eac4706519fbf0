package io.turnpike.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.config.Limits;
import io.turnpike.testing.NoLeaks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The decoder on its own, fed the bytes in whatever pieces a test chooses (TCP segments). */
@ExtendWith(NoLeaks.class)
class StrictRequestDecoderTest {
    private EmbeddedChannel ch;
    private final List<Object> seen = new ArrayList<>();

    private void decoder(int maxHeaders, Limits.Underscores underscores) {
        HttpDecoderConfig cfg = new HttpDecoderConfig().setStrictLineParsing(true).setValidateHeaders(true);
        Limits limits = Limits.DEFAULT.withMaxHeaders(maxHeaders).withUnderscores(underscores);
        ch = new EmbeddedChannel(new StrictRequestDecoder(cfg, limits, () -> { }));
    }

    @AfterEach
    void close() {
        seen.forEach(ReferenceCountUtil::release);
        ch.finishAndReleaseAll();
    }

    private void feed(String... pieces) {
        for (String p : pieces) {
            ch.writeInbound(Unpooled.copiedBuffer(p, StandardCharsets.ISO_8859_1));
        }
    }

    private void feedByteByByte(String s) {
        for (int i = 0; i < s.length(); i++) {
            feed(s.substring(i, i + 1));
        }
    }

    /** What was decoded since the last call; released after the test. */
    private List<Object> decoded() {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        seen.addAll(out);
        return out;
    }

    private HttpRequest onlyRequest() {
        List<Object> out = decoded();
        assertThat(out).isNotEmpty();
        return (HttpRequest) out.get(0);
    }

    @Test
    void seesAFoldThatStartsTheNextRead() {
        decoder(100, Limits.Underscores.DROP);
        feed("GET / HTTP/1.1\r\nHost: x\r\nX-Long: first\r\n", " second\r\n\r\n");
        HttpRequest r = onlyRequest();
        assertThat(r.decoderResult().cause()).hasMessageContaining("obs-fold");
    }

    @Test
    void seesAFoldFedOneByteAtATime() {
        decoder(100, Limits.Underscores.DROP);
        feedByteByByte("GET / HTTP/1.1\r\nHost: x\r\nX-Long: first\r\n\tsecond\r\n\r\n");
        assertThat(onlyRequest().decoderResult().cause()).hasMessageContaining("obs-fold");
    }

    @Test
    void countsFieldsAcrossReads() {
        decoder(3, Limits.Underscores.DROP);
        feedByteByByte("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        HttpRequest r = onlyRequest();
        assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class)
                .hasMessageContaining("more than 3 header fields");
    }

    @Test
    void startsEveryPipelinedHeadAfresh() {
        decoder(3, Limits.Underscores.DROP);
        String head = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB_c: 2\r\n\r\n";
        feed(head + head.replace("B_c", "B-c") + head);
        List<HttpRequest> requests = decoded().stream()
                .filter(HttpRequest.class::isInstance).map(HttpRequest.class::cast).toList();
        assertThat(requests).hasSize(3);
        for (HttpRequest r : requests) {
            assertThat(r.decoderResult().isSuccess()).as("%s", r.decoderResult()).isTrue();
            assertThat(r.headers().contains("B_c")).isFalse();
        }
        assertThat(requests.get(1).headers().get("B-c")).isEqualTo("2");
    }

    @Test
    void leavesAHeadWithoutUnderscoresAsItIs() {
        decoder(100, Limits.Underscores.DROP);
        feed("GET /a_b HTTP/1.1\r\nHost: x\r\nX-A: v_w\r\n\r\n");
        HttpRequest r = onlyRequest();
        assertThat(r.uri()).isEqualTo("/a_b");
        assertThat(r.headers().get("X-A")).isEqualTo("v_w");
    }

    @Test
    void dropsTrailerNamesWithUnderscores() {
        decoder(100, Limits.Underscores.DROP);
        feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX_Sig: 1\r\nX-Ok: 2\r\n\r\n");
        LastHttpContent last = lastContent();
        assertThat(last.decoderResult().isSuccess()).isTrue();
        assertThat(last.trailingHeaders().names()).containsExactly("X-Ok");
    }

    @Test
    void rejectsTrailerNamesWithUnderscoresWhenConfigured() {
        decoder(100, Limits.Underscores.REJECT);
        feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX_Sig: 1\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        List<Object> out = decoded();
        LastHttpContent last = (LastHttpContent) out.stream().filter(LastHttpContent.class::isInstance)
                .reduce((a, b) -> b).orElseThrow();
        assertThat(last.decoderResult().cause()).hasMessageContaining("underscore");
        assertThat(out.stream().filter(HttpRequest.class::isInstance)).as("nothing decoded after the error").hasSize(1);
    }

    private LastHttpContent lastContent() {
        return (LastHttpContent) decoded().stream().filter(o -> o instanceof HttpContent)
                .reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void releasesWhatItDiscardsAfterAnError() {
        decoder(100, Limits.Underscores.DROP);
        feed("GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\n", "more bytes", "and more");
        assertThat(onlyRequest().decoderResult().isFailure()).isTrue();
        assertThat(decoded()).isEmpty();
    }
}
