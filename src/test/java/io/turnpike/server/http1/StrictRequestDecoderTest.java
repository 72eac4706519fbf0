package io.turnpike.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder on its own, fed the bytes in whatever pieces a test chooses (TCP segments). */
@ExtendWith(NoLeaks.class)
class StrictRequestDecoderTest {
    private EmbeddedChannel ch;
    private final List<Object> seen = new ArrayList<>();
    private int headBytesSignals;

    private void decoder(int maxHeaders, Limits.Underscores underscores) {
        HttpDecoderConfig cfg = new HttpDecoderConfig().setStrictLineParsing(true).setValidateHeaders(true);
        Limits limits = Limits.DEFAULT.withMaxHeaders(maxHeaders).withUnderscores(underscores);
        ch = new EmbeddedChannel(new StrictRequestDecoder(cfg, limits, () -> headBytesSignals++));
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
    void aHeldDecoderLeavesTheNextHeadsAsBytesUntilReleased() {
        // The connection holds heads once a request waits its turn: a thousand pipelined requests
        // must not become a thousand request objects while the first is served.
        HttpDecoderConfig cfg = new HttpDecoderConfig().setStrictLineParsing(true).setValidateHeaders(true);
        StrictRequestDecoder decoder = new StrictRequestDecoder(cfg, Limits.DEFAULT, () -> {});
        List<HttpRequest> requests = new ArrayList<>();
        ch = new EmbeddedChannel(decoder, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest r) {
                    requests.add(r);
                    if (requests.size() % 2 == 0) decoder.hold(); // a second request now waits its turn
                }
                ReferenceCountUtil.release(msg);
            }
        });
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 1000; i++) all.append("POST /").append(i).append(" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab");
        feed(all.toString());
        assertThat(requests).extracting(HttpRequest::uri).containsExactly("/0", "/1");

        decoder.release(ch.pipeline().context(decoder));
        assertThat(requests).as("released on the event loop, after the caller's work").hasSize(2);
        ch.runPendingTasks();
        assertThat(requests).extracting(HttpRequest::uri).containsExactly("/0", "/1", "/2", "/3");

        for (int i = 0; i < 499; i++) {
            decoder.release(ch.pipeline().context(decoder));
            ch.runPendingTasks();
        }
        assertThat(requests).hasSize(1000);
        assertThat(requests.get(999).uri()).isEqualTo("/999");
        assertThat(requests).allSatisfy(r -> assertThat(r.decoderResult().isSuccess()).isTrue());
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

    private List<HttpRequest> requests(List<Object> out) {
        return out.stream().filter(HttpRequest.class::isInstance).map(HttpRequest.class::cast).toList();
    }

    /**
     * What a handler behind the decoder sees, as text: each request's method, target and framing
     * headers, its body, its trailers, and any failure with its cause. Two byte streams that
     * decode to the same text framed the same requests.
     */
    private String transcript(List<Object> out) {
        StringBuilder t = new StringBuilder();
        for (Object o : out) {
            if (o instanceof HttpRequest r) {
                t.append(r.method()).append(' ').append(r.uri())
                        .append(" cl=").append(r.headers().get("Content-Length"))
                        .append(" te=").append(r.headers().get("Transfer-Encoding")).append('\n');
            }
            if (o instanceof HttpContent c) {
                t.append("body ").append(c.content().toString(StandardCharsets.ISO_8859_1)).append('\n');
            }
            if (o instanceof LastHttpContent l) {
                t.append("end ").append(l.trailingHeaders().names()).append('\n');
            }
            if (o instanceof HttpObject h && h.decoderResult().isFailure()) {
                t.append("failed ").append(h.decoderResult().cause().getMessage()).append('\n');
            }
        }
        return t.toString();
    }

    private static final String PIPELINED = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "6\r\nchunk \r\n4\r\nsize\r\n0\r\nX-Sum: 9\r\n\r\n"
            + "GET /c HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void framesPipelinedRequestsWithBodiesOneAfterAnother() {
        decoder(100, Limits.Underscores.DROP);
        feed(PIPELINED);
        String t = transcript(decoded());
        assertThat(t).isEqualTo("""
                POST /a cl=5 te=null
                body hello
                end []
                POST /b cl=null te=chunked
                body chunk\s
                body size
                body\s
                end [X-Sum]
                GET /c cl=null te=null
                body\s
                end []
                """);
    }

    @Test
    void framesTheSameRequestsWhereverTheBytesAreSplit() {
        decoder(100, Limits.Underscores.DROP);
        feed(PIPELINED);
        String whole = collapseBodies(transcript(decoded()));
        ch.finishAndReleaseAll();
        for (int cut = 1; cut < PIPELINED.length(); cut++) {
            decoder(100, Limits.Underscores.DROP);
            feed(PIPELINED.substring(0, cut), PIPELINED.substring(cut));
            assertThat(collapseBodies(transcript(decoded()))).as("split at %d", cut).isEqualTo(whole);
            ch.finishAndReleaseAll();
        }
        decoder(100, Limits.Underscores.DROP); // for close()
    }

    @Test
    void decodesAWholeRequestFedOneByteAtATime() {
        decoder(100, Limits.Underscores.DROP);
        feed(PIPELINED);
        String whole = collapseBodies(transcript(decoded()));
        ch.finishAndReleaseAll();
        decoder(100, Limits.Underscores.DROP);
        feedByteByByte(PIPELINED);
        assertThat(collapseBodies(transcript(decoded()))).isEqualTo(whole);
    }

    /** A body split across reads arrives as more, smaller contents: compare the bytes, not the pieces. */
    private static String collapseBodies(String transcript) {
        StringBuilder out = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : transcript.split("\n", -1)) {
            if (line.startsWith("body ")) {
                body.append(line.substring(5));
                continue;
            }
            if (line.startsWith("end ") || line.startsWith("POST") || line.startsWith("GET")) {
                if (!body.isEmpty()) out.append("body ").append(body).append('\n');
                body.setLength(0);
            }
            if (!line.isEmpty()) out.append(line).append('\n');
        }
        return out.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"})
    void rejectsContentLengthWithTransferEncoding(String framing) {
        decoder(100, Limits.Underscores.DROP);
        feed("POST / HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
        List<Object> out = decoded();
        assertThat(requests(out)).hasSize(1);
        assertThat(requests(out).get(0).decoderResult().cause())
                .isNotInstanceOf(UnsupportedTransferCodingException.class)
                .hasMessageContaining("Content-Length together with Transfer-Encoding");
    }

    /** Codings before chunked are well-formed but not implemented: 501, not 400 (RFC 9112 6.1). */
    @ParameterizedTest
    @ValueSource(strings = {
            "Transfer-Encoding: gzip, chunked\r\n",
            "Transfer-Encoding: deflate,chunked\r\n",
            "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"})
    void refusesCodingsBeforeChunkedAsNotImplemented(String framing) {
        decoder(100, Limits.Underscores.DROP);
        feed("POST / HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n0\r\n\r\n");
        HttpRequest r = onlyRequest();
        assertThat(r.decoderResult().cause()).isInstanceOf(UnsupportedTransferCodingException.class)
                .hasMessageContaining("only the chunked transfer coding");
    }

    /** A body whose end the gateway cannot find is malformed (400), whatever codings come first. */
    @ParameterizedTest
    @ValueSource(strings = {"chunked, gzip", "gzip", "identity", "chunked, chunked, gzip"})
    void rejectsAFinalCodingOtherThanChunkedAsMalformed(String codings) {
        decoder(100, Limits.Underscores.DROP);
        feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + codings + "\r\n\r\n0\r\n\r\n");
        assertThat(onlyRequest().decoderResult().cause())
                .isNotInstanceOf(UnsupportedTransferCodingException.class)
                .hasMessageContaining("the final transfer coding must be chunked");
    }

    @Test
    void rejectsTransferEncodingInAnHttp10Request() {
        decoder(100, Limits.Underscores.DROP);
        feed("POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertThat(onlyRequest().decoderResult().cause()).hasMessageContaining("HTTP/1.0");
    }

    @Test
    void readsTheChunkedCodingInAnyCase() {
        decoder(100, Limits.Underscores.DROP);
        feed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        List<Object> out = decoded();
        assertThat(transcript(out)).doesNotContain("failed").contains("body abc\n").contains("GET /next");
    }

    @Test
    void acceptsExactlyMaxHeadersFields() {
        decoder(3, Limits.Underscores.DROP);
        String head = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n";
        feed(head);
        assertThat(onlyRequest().decoderResult().isSuccess()).isTrue();
        feedByteByByte(head);
        assertThat(onlyRequest().decoderResult().isSuccess()).as("fed one byte at a time").isTrue();
    }

    @Test
    void refusesOneFieldOverMaxHeadersAsTooLarge() {
        decoder(3, Limits.Underscores.DROP);
        feed("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        assertThat(onlyRequest().decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
    }

    /** Every way a head or body can be refused, each followed by a well-formed request. */
    @ParameterizedTest
    @ValueSource(strings = {
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"})
    void neverDecodesARequestAfterAnError(String bad) {
        String next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
        decoder(3, Limits.Underscores.DROP);
        feed(bad + next, next);
        List<Object> out = decoded();
        assertThat(transcript(out)).contains("failed").doesNotContain("/next");
        Object firstFailure = out.stream().filter(o -> ((HttpObject) o).decoderResult().isFailure())
                .findFirst().orElseThrow();
        assertThat(out.get(out.size() - 1)).as("nothing after the failure").isSameAs(firstFailure);
    }

    /** The header timeout runs while a head arrives, not while a slow body does. */
    @Test
    void signalsHeadBytesButNotBodyBytes() {
        decoder(100, Limits.Underscores.DROP);
        feed("POST /a HTTP/1.1\r\n");
        assertThat(headBytesSignals).as("first bytes of a head").isPositive();
        feed("Host: x\r\nContent-Length: 6\r\n\r\n");
        headBytesSignals = 0;
        feed("ab", "cd", "ef");
        assertThat(headBytesSignals).as("body bytes").isZero();
        feed("GET /b HTTP/1.1\r\n");
        assertThat(headBytesSignals).as("the next head").isPositive();
        feed("Host: x\r\n\r\n");
        assertThat(collapseBodies(transcript(decoded()))).contains("body abcdef").contains("GET /b");
    }
}
