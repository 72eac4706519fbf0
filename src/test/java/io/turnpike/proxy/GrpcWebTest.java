package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.turnpike.testing.H2Client;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * grpc-web on a {@code grpcWeb: true} route: an HTTP/1.1 or h2 client, as a browser's grpc-web
 * library, calls a grpc-java service behind {@code protocol: h2c}; in binary framing the messages
 * pass as they are, in text framing (base64) they are decoded on the way in and encoded on the way
 * out; the service's trailers come back as grpc-web's last frame.
 */
@ExtendWith(NoLeaks.class)
class GrpcWebTest {
    static Server server;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(GrpcUpstreamTest.method("Many", MethodDescriptor.MethodType.SERVER_STREAMING),
                                GrpcUpstreamTest.answering(2, Status.OK))
                        .addMethod(GrpcUpstreamTest.method("Say", MethodDescriptor.MethodType.UNARY),
                                GrpcUpstreamTest.answering(1, Status.OK))
                        .addMethod(GrpcUpstreamTest.method("Hang", MethodDescriptor.MethodType.UNARY), (call, headers) -> {
                            call.request(1);
                            return new ServerCall.Listener<>() {}; // never answers
                        })
                        .addMethod(GrpcUpstreamTest.method("Fail", MethodDescriptor.MethodType.UNARY), (call, headers) -> {
                            call.close(Status.NOT_FOUND.withDescription("nothing here"), new Metadata());
                            return new ServerCall.Listener<>() {};
                        })
                        .build())
                .build().start();
        ConfigLoader.Result r = ConfigLoader.parse("grpc-web.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  grpc: { nodes: [ "http://127.0.0.1:%d" ], protocol: h2c }
                routes:
                  - { id: web, match: { path: "/test.Echo/**" }, service: grpc, grpcWeb: true }
                  - { id: plain, match: { path: "/other.Echo/**" }, service: grpc }
                  - id: browser
                    match: { path: "/web.Echo/**" }
                    service: grpc
                    grpcWeb: true
                    policies: { cors: { origins: [ "https://app.example" ] } }
                """.formatted(server.getPort()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        gateway.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static RawHttp.Response call(String path, String type, String body) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST " + path + " HTTP/1.1\r\nHost: api.example\r\nContent-Type: " + type
                    + "\r\nX-Grpc-Web: 1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            return c.read();
        }
    }

    /** grpc-web's trailer frame: 0x80, a 4-byte length, the lines. */
    static String trailerFrame(String lines) {
        byte[] b = lines.getBytes(StandardCharsets.ISO_8859_1);
        return new String(new byte[] {(byte) 0x80, 0, 0, 0, (byte) b.length}, StandardCharsets.ISO_8859_1) + lines;
    }

    @Test
    void messagesPassAndTheTrailersBecomeTheLastFrame() throws Exception {
        RawHttp.Response r = call("/test.Echo/Many", "application/grpc-web+proto", GrpcUpstreamTest.frame("ann"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/grpc-web+proto");
        assertThat(r.body()).startsWith(GrpcUpstreamTest.frame("hi ann #0") + GrpcUpstreamTest.frame("hi ann #1"));
        String trailers = r.body().substring((GrpcUpstreamTest.frame("hi ann #0") + GrpcUpstreamTest.frame("hi ann #1")).length());
        assertThat(trailers).contains("grpc-status:0\r\n").contains("x-detail:from the service\r\n");
        String lines = trailers.substring(trailers.indexOf("grpc-status") < trailers.indexOf("x-detail")
                ? trailers.indexOf("grpc-status") : trailers.indexOf("x-detail"));
        // the frame's flag byte (0x80, not valid UTF-8 alone), then its length as 4 bytes
        assertThat(trailers.substring(1, 5)).isEqualTo("\0\0\0" + (char) lines.length());
        assertThat(trailers.length()).isEqualTo(5 + lines.length());
        assertThat(r.header("trailer:grpc-status")).as("no HTTP trailers: a browser cannot read them").isNull();
    }

    @Test
    void aTrailersOnlyErrorStaysInTheHeaders() throws Exception {
        RawHttp.Response r = call("/test.Echo/Fail", "application/grpc-web", GrpcUpstreamTest.frame("x"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/grpc-web");
        assertThat(r.header("grpc-status")).isEqualTo("5");
        assertThat(r.header("grpc-message")).isEqualTo("nothing here");
    }

    @Test
    void theCallersGrpcTimeoutIsTheDeadlineOfAGrpcWebCall() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            String body = GrpcUpstreamTest.frame("x");
            long start = System.nanoTime();
            c.send("POST /test.Echo/Hang HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/grpc-web+proto"
                    + "\r\nX-Grpc-Web: 1\r\ngrpc-timeout: 300m\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            RawHttp.Response r = c.read();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-type")).isEqualTo("application/grpc-web+proto");
            assertThat(r.header("grpc-status")).isEqualTo("4"); // DEADLINE_EXCEEDED, by the gateway
            assertThat(ms).as("answered at the caller's deadline, not the route's timeout").isLessThan(5_000);
        }
    }

    /** base64 of ISO-8859-1 {@code s}, as a browser's grpc-web-text client encodes a message. */
    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A grpc-web-text answer's body, decoded, as ISO-8859-1 (frames compare as strings). */
    static String unbase64(String body) {
        return new String(Base64.getDecoder().decode(body), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aTextUnaryCallIsDecodedForTheServiceAndItsAnswerEncoded() throws Exception {
        RawHttp.Response r = call("/test.Echo/Say", "application/grpc-web-text", b64(GrpcUpstreamTest.frame("bob")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/grpc-web-text");
        assertThat(r.body()).as("one base64 text, padded at its end only").matches("[A-Za-z0-9+/]*=*");
        String frames = unbase64(r.body());
        assertThat(frames).startsWith(GrpcUpstreamTest.frame("hi bob #0"));
        String trailers = frames.substring(GrpcUpstreamTest.frame("hi bob #0").length());
        assertThat(trailers.charAt(0)).as("the trailer frame's flag").isEqualTo((char) 0x80);
        assertThat(trailers).contains("grpc-status:0\r\n").contains("x-detail:from the service\r\n");
        assertThat(trailers.length()).isEqualTo(5 + trailers.charAt(4));
    }

    @Test
    void aTextBodyOfSeveralPaddedChunksStreamsBackInTheCallersType() throws Exception {
        // each piece padded on its own, as a client that encodes message by message sends them
        String frame = GrpcUpstreamTest.frame("ann");
        String body = b64(frame.substring(0, 2)) + b64(frame.substring(2, 7)) + b64(frame.substring(7));
        assertThat(body).contains("=A"); // padding inside the body, not only at its end
        RawHttp.Response r = call("/test.Echo/Many", "application/grpc-web-text+proto", body);
        assertThat(r.header("content-type")).isEqualTo("application/grpc-web-text+proto");
        assertThat(unbase64(r.body())).startsWith(GrpcUpstreamTest.frame("hi ann #0") + GrpcUpstreamTest.frame("hi ann #1"))
                .contains("grpc-status:0\r\n");
    }

    @Test
    void aTextBodySplitWithinItsGroupsIsDecodedAcrossReads() throws Exception {
        String body = b64(GrpcUpstreamTest.frame("carol"));
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /test.Echo/Say HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/grpc-web-text\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < body.length(); i += 3) { // 3 characters a chunk: no read ends on a group's edge twice in a row
                String piece = body.substring(i, Math.min(body.length(), i + 3));
                c.send(Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n");
                Thread.sleep(5);
            }
            c.send("0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(unbase64(r.body())).startsWith(GrpcUpstreamTest.frame("hi carol #0")).contains("grpc-status:0\r\n");
        }
    }

    @Test
    void aTextCallOverHttp2() throws Exception {
        try (H2Client h2 = new H2Client(gateway.port())) {
            HttpHeaders h = new DefaultHttpHeaders().set("content-type", "application/grpc-web-text+proto").set("x-grpc-web", "1");
            H2Client.Response r = h2.send(HttpMethod.POST, "/test.Echo/Many", h,
                    b64(GrpcUpstreamTest.frame("dan")).getBytes(StandardCharsets.US_ASCII)).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().get("content-type")).isEqualTo("application/grpc-web-text+proto");
            assertThat(unbase64(r.text())).startsWith(GrpcUpstreamTest.frame("hi dan #0") + GrpcUpstreamTest.frame("hi dan #1"))
                    .contains("grpc-status:0\r\n");
            assertThat(r.trailers().isEmpty()).as("grpc-web carries its trailers in the body").isTrue();
        }
    }

    @Test
    void badBase64IsAnInvalidArgumentAnswer() throws Exception {
        String good = b64(GrpcUpstreamTest.frame("eve"));
        for (String bad : new String[] {"AAAA!AAA", good.substring(0, good.length() - 1), "AA=A", "A===", "AAAA-_AA"}) {
            RawHttp.Response r = call("/test.Echo/Say", "application/grpc-web-text", bad);
            assertThat(r.status()).as(bad).isEqualTo(200);
            assertThat(r.header("content-type")).as(bad).isEqualTo("application/grpc-web-text");
            assertThat(r.header("grpc-status")).as(bad).isEqualTo("3"); // INVALID_ARGUMENT
            assertThat(r.header("grpc-message")).as(bad).contains("not valid base64");
            assertThat(r.body()).as(bad).isEmpty();
        }
    }

    @Test
    void badBase64OverHttp2IsAnInvalidArgumentAnswerToo() throws Exception {
        try (H2Client h2 = new H2Client(gateway.port())) {
            HttpHeaders h = new DefaultHttpHeaders().set("content-type", "application/grpc-web-text");
            H2Client.Response r = h2.send(HttpMethod.POST, "/test.Echo/Say", h, "AAAA*AAA".getBytes(StandardCharsets.US_ASCII))
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.headers().get("grpc-status")).isEqualTo("3");
            assertThat(r.headers().get("grpc-message")).contains("a character outside the base64 alphabet at character 4");
        }
    }

    @Test
    void aRouteWithoutGrpcWebPassesItOnUnchanged() throws Exception {
        RawHttp.Response r = call("/other.Echo/Many", "application/grpc-web+proto", GrpcUpstreamTest.frame("ann"));
        assertThat(r.header("content-type")).as("the service does not speak grpc-web").isNotEqualTo("application/grpc-web+proto");
    }

    @Test
    void corsLetsABrowserSendGrpcWebAndReadTheStatus() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("OPTIONS /web.Echo/Many HTTP/1.1\r\nHost: api.example\r\nOrigin: https://app.example\r\n"
                    + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type,x-grpc-web\r\n\r\n");
            RawHttp.Response pre = c.read();
            assertThat(pre.status()).isEqualTo(204);
            assertThat(pre.header("access-control-allow-headers")).contains("x-grpc-web").contains("content-type");
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            String body = GrpcUpstreamTest.frame("ann");
            c.send("POST /web.Echo/Many HTTP/1.1\r\nHost: api.example\r\nOrigin: https://app.example\r\n"
                    + "Content-Type: application/grpc-web+proto\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            RawHttp.Response r = c.read();
            assertThat(r.header("access-control-expose-headers")).contains("grpc-status").contains("grpc-message");
        }
    }
}
