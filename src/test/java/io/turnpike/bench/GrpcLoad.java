package io.turnpike.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gRPC load generator for bench/grpc.sh: {@code concurrency} unary calls to
 * {@code bench.Echo/Say} in flight on one channel (one HTTP/2 connection, as ghz by default) for
 * {@code seconds}, after {@code warmup} seconds of the same; prints calls/s and the latency
 * percentiles of the measured part:
 *
 *   java -cp ... io.turnpike.bench.GrpcLoad HOST:PORT CONCURRENCY SECONDS WARMUP [BYTES]
 *   calls/s=12345.6 p50_ms=0.812 p99_ms=2.345 calls=123456 errors=0
 */
public final class GrpcLoad {
    private GrpcLoad() {}

    public static void main(String[] args) throws Exception {
        String[] target = args[0].split(":");
        int concurrency = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        byte[] message = new byte[args.length > 4 ? Integer.parseInt(args[4]) : 64];
        ManagedChannel channel = NettyChannelBuilder.forAddress(target[0], Integer.parseInt(target[1]))
                .usePlaintext().directExecutor().build();
        try {
            if (warmup > 0) run(channel, concurrency, warmup, message);
            Result r = run(channel, concurrency, seconds, message);
            System.out.printf("calls/s=%.1f p50_ms=%.3f p99_ms=%.3f calls=%d errors=%d%n",
                    r.calls / r.seconds, r.percentile(0.50) / 1e6, r.percentile(0.99) / 1e6, r.calls, r.errors);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private record Result(long calls, long errors, double seconds, long[] latencies) {
        double percentile(double p) {
            return latencies.length == 0 ? Double.NaN : latencies[(int) Math.min(latencies.length - 1, p * latencies.length)];
        }
    }

    /** One chain of calls: the next starts when the last completes, so its latencies need no lock. */
    private static final class Chain implements StreamObserver<byte[]> {
        private final ManagedChannel channel;
        private final byte[] message;
        private final long endNanos;
        private final CountDownLatch done;
        private final AtomicLong errors;
        private long[] latencies = new long[1024];
        private int count;
        private long started;

        Chain(ManagedChannel channel, byte[] message, long endNanos, CountDownLatch done, AtomicLong errors) {
            this.channel = channel;
            this.message = message;
            this.endNanos = endNanos;
            this.done = done;
            this.errors = errors;
        }

        void next() {
            started = System.nanoTime();
            if (started >= endNanos) {
                done.countDown();
                return;
            }
            ClientCalls.asyncUnaryCall(channel.newCall(GrpcEcho.SAY, CallOptions.DEFAULT), message, this);
        }

        @Override
        public void onNext(byte[] value) {}

        @Override
        public void onError(Throwable t) {
            errors.incrementAndGet();
            next();
        }

        @Override
        public void onCompleted() {
            if (count == latencies.length) latencies = Arrays.copyOf(latencies, count * 2);
            latencies[count++] = System.nanoTime() - started;
            next();
        }
    }

    private static Result run(ManagedChannel channel, int concurrency, int seconds, byte[] message)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(concurrency);
        AtomicLong errors = new AtomicLong();
        Chain[] chains = new Chain[concurrency];
        for (int i = 0; i < concurrency; i++) {
            chains[i] = new Chain(channel, message, end, done, errors);
            chains[i].next();
        }
        if (!done.await(seconds + 30L, TimeUnit.SECONDS)) throw new IllegalStateException("calls still in flight");
        double took = (System.nanoTime() - start) / 1e9;
        int total = 0;
        for (Chain c : chains) total += c.count;
        long[] all = new long[total];
        int at = 0;
        for (Chain c : chains) {
            System.arraycopy(c.latencies, 0, all, at, c.count);
            at += c.count;
        }
        Arrays.sort(all);
        return new Result(total, errors.get(), took, all);
    }
}
