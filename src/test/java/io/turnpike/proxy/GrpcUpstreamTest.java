package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * gRPC semantics on the upstream path: an HTTP/1.1 client sends a length-prefixed gRPC message
 * with {@code TE: trailers} through the gateway to a real grpc-java server behind
 * {@code protocol: h2c}; the message, the status and the trailing metadata come back, trailers as
 * chunked trailers. The methods are hand-made with a bytes marshaller (no generated code).
 */
@ExtendWith(NoLeaks.class)
class GrpcUpstreamTest {
    static final Metadata.Key<String> DETAIL = Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);
    static final AtomicInteger flakyCalls = new AtomicInteger();
    static Server server;

    enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override public InputStream stream(byte[] value) { return new ByteArrayInputStream(value); }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();
    }

    /** Answers each request message with {@code replies} messages, then closes with {@code status} and trailers. */
    static ServerCallHandler<byte[], byte[]> answering(int replies, Status status) {
        return (call, headers) -> {
            call.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    call.sendHeaders(new Metadata());
                    for (int i = 0; i < replies; i++) {
                        call.sendMessage(("hi " + new String(message, StandardCharsets.UTF_8) + " #" + i)
                                .getBytes(StandardCharsets.UTF_8));
                    }
                    Metadata trailers = new Metadata();
                    trailers.put(DETAIL, "from the service");
                    call.close(status, trailers);
                }
            };
        };
    }

    @BeforeAll
    static void start() throws IOException {
        ServerCallHandler<byte[], byte[]> flaky = (call, headers) -> {
            call.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onHalfClose() {
                    if (flakyCalls.incrementAndGet() == 1) {
                        call.close(Status.UNAVAILABLE.withDescription("warming up"), new Metadata()); // trailers-only
                        return;
                    }
                    call.sendHeaders(new Metadata());
                    call.sendMessage("ready".getBytes(StandardCharsets.UTF_8));
                    call.close(Status.OK, new Metadata());
                }
            };
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(method("Say", MethodDescriptor.MethodType.UNARY), answering(1, Status.OK))
                        .addMethod(method("Many", MethodDescriptor.MethodType.SERVER_STREAMING), answering(3, Status.OK))
                        .addMethod(method("Fail", MethodDescriptor.MethodType.UNARY), (call, headers) -> {
                            Metadata trailers = new Metadata();
                            trailers.put(DETAIL, "no such thing");
                            call.close(Status.NOT_FOUND.withDescription("nothing here"), trailers);
                            return new ServerCall.Listener<>() {};
                        })
                        .addMethod(method("Flaky", MethodDescriptor.MethodType.UNARY), flaky)
                        .build())
                .build().start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static GatewayConfig config(String retries) {
        ConfigLoader.Result r = ConfigLoader.parse("grpc.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  grpc:
                    nodes: [ "http://127.0.0.1:%d" ]
                    protocol: h2c
                    retries: %s
                routes:
                  - { id: echo, match: { path: "/test.Echo/**" }, service: grpc, retries: { nonIdempotent: true } }
                """.formatted(server.getPort(), retries), name -> null);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    /** A gRPC message: uncompressed flag, 4-byte length, the bytes. */
    static String frame(String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return new String(new byte[] {0, 0, 0, 0, (byte) m.length}, StandardCharsets.ISO_8859_1) + message;
    }

    static RawHttp.Response call(Gateway g, String method, String body) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("POST /test.Echo/" + method + " HTTP/1.1\r\nHost: grpc.internal\r\nContent-Type: application/grpc\r\n"
                    + "TE: trailers\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            return c.read();
        }
    }

    @Test
    void aUnaryCallGetsItsMessageStatusAndTrailingMetadataAsChunkedTrailers() throws Exception {
        try (Gateway g = Gateway.start(config("{ attempts: 0 }"))) {
            RawHttp.Response r = call(g, "Say", frame("bob"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-type")).isEqualTo("application/grpc");
            assertThat(r.body()).isEqualTo(frame("hi bob #0"));
            assertThat(r.header("trailer:grpc-status")).isEqualTo("0");
            assertThat(r.header("trailer:x-detail")).isEqualTo("from the service");
        }
    }

    @Test
    void aServerStreamingCallRelaysEveryMessageBeforeItsTrailers() throws Exception {
        try (Gateway g = Gateway.start(config("{ attempts: 0 }"))) {
            RawHttp.Response r = call(g, "Many", frame("ann"));
            assertThat(r.body()).isEqualTo(frame("hi ann #0") + frame("hi ann #1") + frame("hi ann #2"));
            assertThat(r.header("trailer:grpc-status")).isEqualTo("0");
        }
    }

    @Test
    void anErrorStatusWithMetadataArrivesTrailersOnlyInTheHead() throws Exception {
        try (Gateway g = Gateway.start(config("{ attempts: 0 }"))) {
            RawHttp.Response r = call(g, "Fail", frame("x"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("grpc-status")).isEqualTo("5");
            assertThat(r.header("grpc-message")).isEqualTo("nothing here");
            assertThat(r.header("x-detail")).isEqualTo("no such thing");
            assertThat(r.body()).isEmpty();
        }
    }

    @Test
    void aTrailersOnlyUnavailableIsRetriedWhenTheRetriesListGrpcUnavailable() throws Exception {
        flakyCalls.set(0);
        try (Gateway g = Gateway.start(config("{ attempts: 2, on: [grpc-unavailable], backoff: 1ms }"))) {
            RawHttp.Response r = call(g, "Flaky", "");
            assertThat(r.header("grpc-status")).isNull();
            assertThat(r.header("trailer:grpc-status")).isEqualTo("0");
            assertThat(r.body()).isEqualTo(frame("ready"));
            assertThat(flakyCalls.get()).isEqualTo(2);
        }
        flakyCalls.set(0);
        try (Gateway g = Gateway.start(config("{ attempts: 2, on: [grpc-internal], backoff: 1ms }"))) {
            assertThat(call(g, "Flaky", "").header("grpc-status")).isEqualTo("14"); // not listed: passed on
            assertThat(flakyCalls.get()).isEqualTo(1);
        }
    }
}
