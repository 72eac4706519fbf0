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
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * grpc-web (binary framing) on a {@code grpcWeb: true} route: an HTTP/1.1 client, as a browser's
 * grpc-web library, calls a grpc-java service behind {@code protocol: h2c}; the messages pass as
 * they are and the service's trailers come back as grpc-web's last frame.
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
    void theGatewaysOwnErrorsAreGrpcWebAnswers() throws Exception {
        RawHttp.Response text = call("/test.Echo/Many", "application/grpc-web-text", "AAAAAANhbm4=");
        assertThat(text.header("grpc-status")).isEqualTo("3"); // INVALID_ARGUMENT: text framing is not translated
        assertThat(text.header("content-type")).isEqualTo("application/grpc-web-text");
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
