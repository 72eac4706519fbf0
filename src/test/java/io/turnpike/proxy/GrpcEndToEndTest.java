package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.H2Client;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * gRPC through the gateway with real grpc-java at both ends: a client on an h2c channel to the
 * gateway, a server behind {@code protocol: h2c}. Every call type streams both ways through one
 * exchange; statuses and trailing metadata come back as the service sent them; the gateway's own
 * errors and the caller's deadline are gRPC statuses.
 */
@ExtendWith(NoLeaks.class)
class GrpcEndToEndTest {
    static Server server;
    static TestBackend slowHttp;
    static Gateway gateway;
    static ManagedChannel channel;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Client streaming: answers once the client is done, with every message it got joined. */
    static ServerCallHandler<byte[], byte[]> joining() {
        return (call, headers) -> {
            call.request(Integer.MAX_VALUE);
            List<String> got = new ArrayList<>();
            return new ServerCall.Listener<>() {
                @Override public void onMessage(byte[] m) { got.add(text(m)); }

                @Override
                public void onHalfClose() {
                    call.sendHeaders(new Metadata());
                    call.sendMessage(utf8(String.join("+", got)));
                    call.close(Status.OK, new Metadata());
                }
            };
        };
    }

    /** Bidi: each message is answered at once, before the client's next one is sent. */
    static ServerCallHandler<byte[], byte[]> chatting() {
        return (call, headers) -> {
            call.request(Integer.MAX_VALUE);
            call.sendHeaders(new Metadata());
            return new ServerCall.Listener<>() {
                @Override public void onMessage(byte[] m) { call.sendMessage(utf8("re: " + text(m))); }
                @Override public void onHalfClose() { call.close(Status.OK, new Metadata()); }
            };
        };
    }

    @BeforeAll
    static void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(GrpcUpstreamTest.method("Say", MethodDescriptor.MethodType.UNARY),
                                GrpcUpstreamTest.answering(1, Status.OK))
                        .addMethod(GrpcUpstreamTest.method("Many", MethodDescriptor.MethodType.SERVER_STREAMING),
                                GrpcUpstreamTest.answering(3, Status.OK))
                        .addMethod(GrpcUpstreamTest.method("Join", MethodDescriptor.MethodType.CLIENT_STREAMING), joining())
                        .addMethod(GrpcUpstreamTest.method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING), chatting())
                        .addMethod(GrpcUpstreamTest.method("Fail", MethodDescriptor.MethodType.UNARY), (call, headers) -> {
                            Metadata trailers = new Metadata();
                            trailers.put(GrpcUpstreamTest.DETAIL, "no such thing");
                            call.close(Status.NOT_FOUND.withDescription("nothing here"), trailers);
                            return new ServerCall.Listener<>() {};
                        })
                        .build())
                .build().start();
        slowHttp = new TestBackend("slow-http");
        ConfigLoader.Result r = ConfigLoader.parse("grpc.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  grpc: { nodes: [ "http://127.0.0.1:%d" ], protocol: h2c }
                  slow: { nodes: [ "%s" ] }
                routes:
                  - { id: echo, match: { path: "/test.Echo/**" }, service: grpc }
                  - { id: slow, match: { path: "/slow/**" }, service: slow }
                """.formatted(server.getPort(), slowHttp.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        gateway.close();
        slowHttp.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static MethodDescriptor<byte[], byte[]> m(String name, MethodDescriptor.MethodType type) {
        return GrpcUpstreamTest.method(name, type);
    }

    @Test
    void unaryAndServerStreamingCalls() {
        byte[] one = ClientCalls.blockingUnaryCall(channel, m("Say", MethodDescriptor.MethodType.UNARY),
                CallOptions.DEFAULT, utf8("bob"));
        assertThat(text(one)).isEqualTo("hi bob #0");
        Iterator<byte[]> many = ClientCalls.blockingServerStreamingCall(channel,
                m("Many", MethodDescriptor.MethodType.SERVER_STREAMING), CallOptions.DEFAULT, utf8("ann"));
        List<String> got = new ArrayList<>();
        many.forEachRemaining(b -> got.add(text(b)));
        assertThat(got).containsExactly("hi ann #0", "hi ann #1", "hi ann #2");
    }

    @Test
    void aClientStreamingCallSendsEveryMessageBeforeTheAnswer() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        StreamObserver<byte[]> out = ClientCalls.asyncClientStreamingCall(
                channel.newCall(m("Join", MethodDescriptor.MethodType.CLIENT_STREAMING), CallOptions.DEFAULT),
                observer(answer::complete, answer));
        for (int i = 0; i < 5; i++) out.onNext(utf8("m" + i));
        out.onCompleted();
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("m0+m1+m2+m3+m4");
    }

    @Test
    void aBidiCallTalksBothWaysAtOnce() throws Exception {
        LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
        CompletableFuture<String> done = new CompletableFuture<>();
        StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(m("Chat", MethodDescriptor.MethodType.BIDI_STREAMING), CallOptions.DEFAULT),
                observer(replies::add, done));
        for (int i = 0; i < 3; i++) {
            out.onNext(utf8("q" + i));
            // each answer arrives while the request stream is still open: no buffering of either side
            assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo("re: q" + i);
        }
        out.onCompleted();
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aServicesErrorKeepsItsStatusAndTrailingMetadata() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, m("Fail", MethodDescriptor.MethodType.UNARY),
                CallOptions.DEFAULT, utf8("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("nothing here");
                    assertThat(e.getTrailers().get(GrpcUpstreamTest.DETAIL)).isEqualTo("no such thing");
                });
    }

    @Test
    void noRouteIsUnimplementedFromTheGateway() {
        MethodDescriptor<byte[], byte[]> other = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("other.Svc/Call")
                .setRequestMarshaller(GrpcUpstreamTest.Bytes.INSTANCE)
                .setResponseMarshaller(GrpcUpstreamTest.Bytes.INSTANCE).build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, other, CallOptions.DEFAULT, utf8("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    @Test
    void theCallersGrpcTimeoutIsTheGatewaysDeadlineToo() throws Exception {
        // A raw h2 call, so only the gateway can keep the deadline (a grpc-java client keeps its own).
        try (H2Client c = new H2Client(gateway.port())) {
            long t0 = System.nanoTime();
            H2Client.Response r = c.send(HttpMethod.POST, "/slow/3000", new DefaultHttpHeaders()
                    .set("content-type", "application/grpc").set("te", "trailers").set("grpc-timeout", "300m"),
                    new byte[5]).get(10, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().get("grpc-status")).isEqualTo("4"); // DEADLINE_EXCEEDED
            assertThat(ms).as("answered at the caller's deadline, not the service's 3 s").isLessThan(2500);
        }
    }

    static StreamObserver<byte[]> observer(java.util.function.Consumer<String> each, CompletableFuture<String> done) {
        return new StreamObserver<>() {
            @Override public void onNext(byte[] v) { each.accept(text(v)); }
            @Override public void onError(Throwable t) { done.completeExceptionally(t); }
            @Override public void onCompleted() { done.complete("done"); }
        };
    }
}
