package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawH2;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * h2spec's cases that Netty's own CI skips (netty#13630), and their neighbours, sent frame by frame
 * to the h2c listener: each method is named after its h2spec id (section, then case number) and
 * asserts what RFC 9113 (and RFC 7541 for HPACK) requires. A stream error may come as RST_STREAM or
 * as GOAWAY with the same code, as h2spec accepts; a malformed request never reaches the service,
 * and a stream error leaves the connection serving.
 */
@ExtendWith(NoLeaks.class)
class Http2ConformanceTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b1");
        backend.recordUris = true;
        gateway = Gateway.start(TestConfigs.gateway().eventLoops(1)
                .service("svc", backend.url())
                .route("all", "/**", "svc")
                .build());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    /** A malformed request's head: a stream error PROTOCOL_ERROR, the service never asked, the connection still serving. */
    private static void refusedAsMalformed(String... fields) throws Exception {
        refusedAsMalformed(true, fields);
    }

    private static void refusedAsMalformed(boolean endStream, String... fields) throws Exception {
        int before = backend.requests.get();
        backend.uris.clear();
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, endStream, fields);
            assertThat(c.outcome(1)).isIn("RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
            if (!c.serves(3, "/after").equals("closed")) {
                assertThat(c.serves(5, "/after")).as("the connection serves on").isEqualTo("answered 200");
            }
        }
        try (RawH2 c = new RawH2(gateway.port())) {
            assertThat(c.serves(1, "/after")).isEqualTo("answered 200");
        }
        assertThat(backend.requests.get() - before).as("requests that reached the service").isPositive();
        // By what reached the service rather than how many: a late request of an earlier case (its own
        // path, /echo) may land here too. The malformed requests ask for /malformed.
        assertThat(backend.uris).as("the requests after it reached the service").contains("/after");
        assertThat(backend.uris).as("the malformed request never did").doesNotContain("/malformed");
    }

    // ---- 4.2 Frame Size -------------------------------------------------------------------------------

    @Test
    void h2spec_4_2_2_dataFrameLargerThanMaxFrameSize() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo"));
            c.data(1, true, new byte[16_385]); // the default SETTINGS_MAX_FRAME_SIZE is 16 384
            assertThat(c.outcome(1)).isIn("RST_STREAM FRAME_SIZE_ERROR", "GOAWAY FRAME_SIZE_ERROR");
        }
    }

    @Test
    void h2spec_4_2_3_headersFrameLargerThanMaxFrameSize() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            String[] fields = c.get("/echo", "x-big", "a".repeat(16_400));
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.block(fields));
            assertThat(c.outcome(1)).isEqualTo("GOAWAY FRAME_SIZE_ERROR");
        }
    }

    // ---- HPACK 4.2 Maximum Table Size -------------------------------------------------------------------

    @Test
    void hpack_4_2_1_tableSizeUpdateAtTheEndOfAHeaderBlock() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(RawH2.block(c.get("/echo")));
            RawH2.integer(block, 0x20, 5, 0); // a dynamic table size update may only open a block (RFC 7541 4.2)
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, block.toByteArray());
            assertThat(c.outcome(1)).isEqualTo("GOAWAY COMPRESSION_ERROR");
        }
    }

    // ---- 5.1 Stream States ---------------------------------------------------------------------------

    @Test
    void h2spec_5_1_1_idleStreamSentData() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.data(1, true, "test".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.outcome(1)).isEqualTo("GOAWAY PROTOCOL_ERROR");
        }
    }

    @Test
    void h2spec_5_1_5_halfClosedRemoteStreamSentData() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.hold().headers(1, true, c.get("/echo"));
            c.data(1, true, "test".getBytes(StandardCharsets.US_ASCII)).release();
            assertThat(c.outcome(1)).isIn("RST_STREAM STREAM_CLOSED", "GOAWAY STREAM_CLOSED");
        }
    }

    @Test
    void h2spec_5_1_6_halfClosedRemoteStreamSentHeaders() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.hold().headers(1, true, c.get("/echo"));
            c.headers(1, true, c.get("/echo")).release();
            assertThat(c.outcome(1)).isIn("RST_STREAM STREAM_CLOSED", "GOAWAY STREAM_CLOSED");
        }
    }

    @Test
    void h2spec_5_1_12_closedStreamSentHeaders() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, true, c.get("/echo"));
            assertThat(c.outcome(1)).isEqualTo("answered 200");
            c.headers(1, true, c.get("/echo"));
            assertThat(c.outcome(1)).isEqualTo("GOAWAY STREAM_CLOSED");
        }
    }

    @Test
    void h2spec_5_1_1_2_streamIdSmallerThanAPreviousOne() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(5, true, c.get("/echo"));
            c.headers(3, true, c.get("/echo"));
            assertThat(c.outcome(3)).isEqualTo("GOAWAY PROTOCOL_ERROR");
        }
    }

    // ---- Cases Netty's CI passes, where the gateway's own handlers used to change the answer ----------

    @Test
    void hpack_2_3_3_1_indexBeyondTheTables() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, new byte[] {(byte) 0xff, 0x0f}); // index 142
            assertThat(c.outcome(1)).isEqualTo("GOAWAY COMPRESSION_ERROR");
        }
    }

    @Test
    void h2spec_5_1_2_1_moreStreamsThanMaxConcurrentStreams() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            for (int i = 0; i <= 100; i++) c.headers(1 + 2 * i, false, c.request("POST", "/echo")); // the 101st is one too many
            assertThat(c.outcome(201)).isIn("RST_STREAM REFUSED_STREAM", "RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
        }
    }

    @Test
    void h2spec_6_4_3_resetFrameOfTheWrongLength() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo"));
            c.frame(RawH2.RST_STREAM, 0, 1, new byte[] {0, 0, 0});
            assertThat(c.outcome(1)).isEqualTo("GOAWAY FRAME_SIZE_ERROR");
        }
    }

    @Test
    void h2spec_6_9_1_windowUpdateOfZeroOnTheConnection() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.windowUpdate(0, 0);
            assertThat(c.outcome(0)).isEqualTo("GOAWAY PROTOCOL_ERROR");
        }
    }

    @Test
    void h2spec_6_9_2_windowUpdateOfZeroOnAStream() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo"));
            c.windowUpdate(1, 0);
            assertThat(c.outcome(1)).isIn("RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
        }
    }

    // ---- 6.9.1 The Flow-Control Window ---------------------------------------------------------------

    @Test
    void h2spec_6_9_1_2_connectionWindowAbove2To31Minus1() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.windowUpdate(0, Integer.MAX_VALUE).windowUpdate(0, Integer.MAX_VALUE);
            assertThat(c.outcome(0)).isEqualTo("GOAWAY FLOW_CONTROL_ERROR");
        }
    }

    @Test
    void h2spec_6_9_1_3_streamWindowAbove2To31Minus1() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo"));
            c.windowUpdate(1, Integer.MAX_VALUE).windowUpdate(1, Integer.MAX_VALUE);
            assertThat(c.outcome(1)).isIn("RST_STREAM FLOW_CONTROL_ERROR", "GOAWAY FLOW_CONTROL_ERROR");
        }
    }

    // ---- 8.1.2 HTTP Header Fields ----------------------------------------------------------------------

    /** A GET's pseudo-headers (for {@code /malformed}, a path no other case asks for), then {@code more}. */
    private static String[] get(String... more) {
        String[] f = new String[8 + more.length];
        System.arraycopy(new String[] {":method", "GET", ":scheme", "http", ":path", "/malformed", ":authority", "localhost"}, 0, f, 0, 8);
        System.arraycopy(more, 0, f, 8, more.length);
        return f;
    }

    @Test
    void h2spec_8_1_2_1_uppercaseHeaderName() throws Exception {
        refusedAsMalformed(get("X-TEST", "ok"));
    }

    @Test
    void h2spec_8_1_2_1_1_unknownPseudoHeader() throws Exception {
        refusedAsMalformed(get(":test", "ok"));
    }

    @Test
    void h2spec_8_1_2_1_2_responsePseudoHeaderInARequest() throws Exception {
        refusedAsMalformed(get(":status", "200"));
    }

    @Test
    void h2spec_8_1_2_1_3_pseudoHeaderInTrailers() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo", "trailer", "x-t"));
            c.data(1, false, "test".getBytes(StandardCharsets.US_ASCII));
            c.headers(1, true, ":method", "POST");
            assertThat(c.outcome(1)).isIn("RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
        }
    }

    @Test
    void h2spec_8_1_2_1_4_pseudoHeaderAfterARegularOne() throws Exception {
        refusedAsMalformed(":method", "GET", ":scheme", "http", "x-test", "ok", ":path", "/malformed", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_2_1_connectionSpecificHeader() throws Exception {
        refusedAsMalformed(get("connection", "keep-alive"));
    }

    @Test
    void h2spec_8_1_2_2_2_teOtherThanTrailers() throws Exception {
        refusedAsMalformed(get("trailers", "test", "te", "trailers, deflate"));
    }

    @Test
    void h2spec_8_1_2_3_1_emptyPath() throws Exception {
        refusedAsMalformed(":method", "GET", ":scheme", "http", ":path", "", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_3_2_noMethod() throws Exception {
        refusedAsMalformed(":scheme", "http", ":path", "/malformed", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_3_3_noScheme() throws Exception {
        refusedAsMalformed(":method", "GET", ":path", "/malformed", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_3_4_noPath() throws Exception {
        refusedAsMalformed(":method", "GET", ":scheme", "http", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_3_5_duplicateMethod() throws Exception {
        refusedAsMalformed(":method", "GET", ":method", "GET", ":scheme", "http", ":path", "/malformed", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_3_6_duplicateScheme() throws Exception {
        refusedAsMalformed(":method", "GET", ":scheme", "http", ":scheme", "http", ":path", "/malformed", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_3_7_duplicatePath() throws Exception {
        refusedAsMalformed(":method", "GET", ":scheme", "http", ":path", "/malformed", ":path", "/malformed", ":authority", "localhost");
    }

    @Test
    void h2spec_8_1_2_6_1_contentLengthUnlikeTheDataFrame() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo", "content-length", "1"));
            c.data(1, true, "test".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.outcome(1)).isIn("RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
            assertThat(c.serves(3, "/after")).isEqualTo("answered 200");
        }
    }

    @Test
    void h2spec_8_1_2_6_2_contentLengthUnlikeTheSumOfTheDataFrames() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo", "content-length", "1"));
            c.data(1, false, "test".getBytes(StandardCharsets.US_ASCII));
            c.data(1, true, "test".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.outcome(1)).isIn("RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
        }
    }

    @Test
    void contentLengthLargerThanTheDataSent() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, false, c.request("POST", "/echo", "content-length", "10"));
            c.data(1, true, "test".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.outcome(1)).isIn("RST_STREAM PROTOCOL_ERROR", "GOAWAY PROTOCOL_ERROR");
        }
    }

    @Test
    void aPlainConnectIsAnsweredByTheGateway() throws Exception {
        // RFC 9113 8.5: only :method and :authority. There is no tunnel to offer; the exchange
        // refuses the authority-form target (an HTTP/1.1 CONNECT with a path gets 405).
        backend.uris.clear();
        try (RawH2 c = new RawH2(gateway.port())) {
            c.headers(1, true, ":method", "CONNECT", ":authority", "example.com:443");
            assertThat(c.outcome(1)).isEqualTo("answered 400");
            assertThat(c.serves(3, "/after")).isEqualTo("answered 200");
        }
        assertThat(backend.uris).containsOnly("/after");
    }
}
