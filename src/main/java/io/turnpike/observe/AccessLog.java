package io.turnpike.observe;

import io.netty.util.internal.PlatformDependent;
import io.turnpike.core.ExchangeView;
import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per exchange, written off the event loop. The loop only samples, copies the facts
 * into an {@link AccessRecord} and offers it to a bounded lock-free queue; when the queue is full
 * the line is dropped and counted, never waited for. A single writer thread formats the queued
 * records into one batch of bytes and writes it with one call, then lingers a moment so the next
 * batch has more than one line: a write per batch, not per line, as nginx's buffered log.
 *
 * <p>The loop wakes the writer only when the queue passes a quarter full; otherwise the writer's
 * own short park does, so a request costs no system call for its line.
 *
 * <p>Why our own queue and thread rather than logback's AsyncAppender: its queue blocks the caller
 * when full unless told never to, and then drops without a count we can export; and the line would
 * have to be formatted on the event loop. Files are rotated by {@link RollingFileSink}, not logback.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    static final int DEFAULT_CAPACITY = 16 * 1024;
    /** A batch is written once it holds this much (or the queue ran empty). */
    static final int BATCH_BYTES = 64 * 1024;
    /**
     * How long the writer waits for more lines after a batch: the most a line waits to be written.
     * 10 ms rather than 2: at 35k requests/s the writer then wakes 100 times a second, not 500, the
     * event loop it shares a core with is preempted a third as often, and the writer's CPU per line
     * is 0.5-0.7 us against 0.8-0.9.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** The writer's sleep while nothing is queued; the first line wakes it. */
    static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Where batches of lines go; called by the writer thread only. */
    interface Sink {
        /** Writes {@code length} bytes of {@code lines} whole lines, each ending in a newline, in one go. */
        void write(byte[] batch, int length, int lines) throws IOException;

        void close() throws IOException;
    }

    private final Sink sink;
    private final double sampleSuccess;
    // Netty's array-backed MPSC queue: offer is one CAS and fails instead of waiting when full.
    private final Queue<AccessRecord> queue;
    private final int wakeAt;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    // What the writer is doing: the loop wakes it from an idle park at once, from a linger when filling up.
    private static final int WRITING = 0, LINGERING = 1, IDLE = 2;
    private final AtomicInteger writerState = new AtomicInteger();
    private final AccessLineFormat format = new AccessLineFormat();
    private final AccessLineFormat.Batch batch = new AccessLineFormat.Batch(BATCH_BYTES + 4096);
    private final Thread writer;
    private volatile boolean running = true;

    /** A log as the settings say (stdout, or a rotated file). */
    public static AccessLog open(AccessLogSettings settings) {
        Sink sink = AccessLogSettings.STDOUT.equals(settings.target())
                ? new StdoutSink() : new RollingFileSink(settings.target(), settings.compress());
        return new AccessLog(sink, settings.sampleSuccess(), DEFAULT_CAPACITY);
    }

    AccessLog(Sink sink, double sampleSuccess, int capacity) {
        this.sink = sink;
        this.sampleSuccess = sampleSuccess;
        this.queue = PlatformDependent.newFixedMpscQueue(capacity);
        this.wakeAt = Math.max(1, capacity / 4);
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
        int state = writerState.get();
        if ((state == IDLE || state == LINGERING && queue.size() >= wakeAt) && writerState.compareAndSet(state, WRITING)) {
            LockSupport.unpark(writer); // the first line after a quiet spell, or filling up during a linger
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
            int lines = writeQueued();
            if (!running) {
                writeQueued(); // what was offered while the last batch was written
                break;
            }
            // After a batch, linger so the next one has more lines, even when nothing is queued yet:
            // on a busy core the writer would otherwise run right after each line, and the loop would
            // wake it (two context switches and a write) for every request. Only a linger that found
            // nothing lets it sleep until the loop offers a line (bounded: an unpark lost to a race
            // costs at most that much delay).
            boolean idle = lines == 0 && queue.isEmpty();
            writerState.set(idle ? IDLE : LINGERING);
            if ((idle ? queue.isEmpty() : queue.size() < wakeAt) && running) {
                LockSupport.parkNanos(this, idle ? IDLE_NANOS : LINGER_NANOS);
            }
            writerState.set(WRITING);
        }
    }

    /** Formats and writes what is queued, in batches of about {@link #BATCH_BYTES}; how many lines it took. */
    private int writeQueued() {
        int taken = 0;
        int lines = 0;
        AccessRecord r;
        while ((r = queue.poll()) != null) {
            taken++;
            try {
                format.append(r, batch);
                lines++;
            } catch (RuntimeException e) {
                dropped.increment();
                log.warn("access log line not formatted: {}", e.toString());
            }
            if (batch.length() >= BATCH_BYTES) {
                writeBatch(lines);
                lines = 0;
            }
        }
        if (lines > 0) writeBatch(lines);
        return taken;
    }

    private void writeBatch(int lines) {
        try {
            sink.write(batch.bytes(), batch.length(), lines);
            written.add(lines);
        } catch (IOException | RuntimeException e) {
            dropped.add(lines);
            log.warn("access log batch of {} lines not written: {}", lines, e.toString());
        } finally {
            batch.clear();
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
