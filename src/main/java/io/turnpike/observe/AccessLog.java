package io.turnpike.observe;

import io.netty.util.internal.PlatformDependent;
import io.turnpike.core.ExchangeView;
import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per exchange, written off the event loop. The loop only samples, copies the facts
 * into an {@link AccessRecord} and offers it to a bounded lock-free queue; when the queue is full
 * the line is dropped and counted, never waited for. A single writer thread formats and writes.
 *
 * <p>Why our own queue and thread rather than logback's AsyncAppender: its queue blocks the caller
 * when full unless told never to, and then drops without a count we can export; and the line would
 * have to be formatted on the event loop. Files are still written by logback's rolling appender.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    static final int DEFAULT_CAPACITY = 16 * 1024;

    /** Where formatted lines go; called by the writer thread only. */
    interface Sink {
        void write(String line) throws IOException;

        /** The queue ran empty: push out what is buffered. */
        void flush() throws IOException;

        void close() throws IOException;
    }

    private final Sink sink;
    private final double sampleSuccess;
    // Netty's array-backed MPSC queue: offer is one CAS and fails instead of waiting when full.
    private final Queue<AccessRecord> queue;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final AccessLineFormat format = new AccessLineFormat();
    private final Thread writer;
    private volatile boolean running = true;

    /** A log as the settings say (stdout, or a rotated file). */
    public static AccessLog open(AccessLogSettings settings) {
        Sink sink = AccessLogSettings.STDOUT.equals(settings.target())
                ? new StdoutSink() : new RollingFileSink(settings.target());
        return new AccessLog(sink, settings.sampleSuccess(), DEFAULT_CAPACITY);
    }

    AccessLog(Sink sink, double sampleSuccess, int capacity) {
        this.sink = sink;
        this.sampleSuccess = sampleSuccess;
        this.queue = PlatformDependent.newFixedMpscQueue(capacity);
        this.writer = Thread.ofPlatform().name("turnpike-access-log").daemon().unstarted(this::drain);
        this.writer.start();
    }

    /** Called on the exchange's event loop: samples, copies, enqueues; never blocks. */
    public void offer(ExchangeView x) {
        if (!AccessRecord.isError(x) && !sampled()) return;
        if (!queue.offer(AccessRecord.of(x))) {
            dropped.increment();
            return;
        }
        if (writerParked.get() && writerParked.compareAndSet(true, false)) {
            LockSupport.unpark(writer); // one wake-up per idle period, not one per line
        }
    }

    private boolean sampled() {
        return sampleSuccess >= 1.0 || sampleSuccess > 0.0 && ThreadLocalRandom.current().nextDouble() < sampleSuccess;
    }

    /** Lines dropped because the writer fell behind (the queue was full). */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines written so far. */
    public long written() {
        return written.sum();
    }

    private void drain() {
        while (true) {
            AccessRecord r = queue.poll();
            if (r != null) {
                write(r);
                continue;
            }
            flush();
            if (!running) break;
            writerParked.set(true);
            if (queue.isEmpty() && running) {
                // Bounded park: an unpark lost to a race costs at most this much delay.
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(200));
            }
            writerParked.set(false);
        }
    }

    private void write(AccessRecord r) {
        try {
            sink.write(format.format(r));
            written.increment();
        } catch (IOException | RuntimeException e) {
            dropped.increment();
            log.warn("access log line not written: {}", e.toString());
        }
    }

    private void flush() {
        try {
            sink.flush();
        } catch (IOException e) {
            log.warn("access log flush failed: {}", e.toString());
        }
    }

    /** Writes what is queued, then closes the target. Offers after this are dropped silently. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            sink.close();
        } catch (IOException e) {
            log.warn("access log close failed: {}", e.toString());
        }
    }
}
