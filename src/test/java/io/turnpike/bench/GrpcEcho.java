package io.turnpike.bench;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * A grpc-java service for bench/grpc.sh: {@code bench.Echo/Say} answers each unary call with its
 * own bytes. No protobuf: the messages are raw bytes, so only the transport is measured.
 *
 *   java -cp ... io.turnpike.bench.GrpcEcho PORT
 */
public final class GrpcEcho {
    /** Messages as they are. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> SAY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Say"))
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private GrpcEcho() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .directExecutor() // the echo does no work worth a thread hop
                .addService(ServerServiceDefinition.builder("bench.Echo")
                        .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext(req);
                            out.onCompleted();
                        }))
                        .build())
                .build().start();
        System.out.println("grpc echo on 127.0.0.1:" + server.getPort());
        server.awaitTermination();
    }
}
