package io.turnpike.metering;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that touches the ledger. Every flush interval it drains the meter's queue into
 * per-bucket deltas and writes them as one numbered batch; a batch that failed is retried, with
 * the same number and content, before anything newer, so a retry can never count twice. Reads
 * (usage, invoices) run on the same thread after a flush, so they see every call metered so far.
 */
final class LedgerWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerWriter.class);
    private static final int MAX_DRAIN = 1_000_000;

    private final Meter meter;
    private final Ledger ledger;
    private final String writer = UUID.randomUUID().toString();
    private final ScheduledExecutorService thread;
    private final AtomicLong flushedCalls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private Map<UsageKey, UsageCounts> next = new HashMap<>();
    private Map<UsageKey, UsageCounts> pending; // the batch being written; retried until it lands
    private long seq;
    private long lastFailureLog;
    private volatile boolean closed;

    LedgerWriter(Meter meter, Ledger ledger, Duration interval) {
        this.meter = meter;
        this.ledger = ledger;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnpike-ledger");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(10, interval.toMillis());
        thread.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code read} on the writer thread after a flush. */
    <T> CompletableFuture<T> read(Callable<T> read) {
        CompletableFuture<T> out = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    flush();
                } catch (Exception e) {
                    // still answer from what the ledger has
                }
                try {
                    out.complete(read.call());
                } catch (Throwable e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.completeExceptionally(new IllegalStateException("the ledger is closed"));
        }
        return out;
    }

    Ledger ledger() {
        return ledger;
    }

    /** Calls written to the ledger by this process. */
    long flushedCalls() {
        return flushedCalls.get();
    }

    long failures() {
        return failures.get();
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (Exception e) {
            failures.incrementAndGet();
            long now = System.currentTimeMillis();
            if (now - lastFailureLog > 10_000) {
                lastFailureLog = now;
                log.warn("usage ledger: writing a batch to {} failed, retrying every flush: {}", ledger.describe(), e.toString());
            }
        }
    }

    /** Drains the queue and writes what is due. Writer thread only. */
    void flush() throws Exception {
        drain();
        for (int i = 0; i < 2; i++) {
            if (pending == null) {
                if (next.isEmpty()) return;
                pending = next;
                next = new HashMap<>();
                seq++;
            }
            ledger.apply(writer, seq, pending);
            long calls = 0;
            for (UsageCounts c : pending.values()) calls += c.calls();
            flushedCalls.addAndGet(calls);
            pending = null;
        }
    }

    private void drain() {
        for (int i = 0; i < MAX_DRAIN; i++) {
            Meter.Call c = meter.poll();
            if (c == null) return;
            next.merge(new UsageKey(c.consumer(), c.route(), c.statusClass(), c.minute()),
                    new UsageCounts(1, c.units(), c.overageUnits()), UsageCounts::plus);
        }
    }

    /** Writes everything metered so far, then stops the thread and closes the ledger. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            thread.submit(() -> {
                for (int attempt = 0; attempt < 3; attempt++) {
                    try {
                        flush();
                        if (pending == null && next.isEmpty()) return;
                    } catch (Exception e) {
                        log.error("usage ledger: final flush to {} failed (attempt {}): {}", ledger.describe(),
                                attempt + 1, e.toString());
                        sleep(200);
                    }
                }
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.error("usage ledger: final flush did not finish: {}", e.toString());
        }
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ledger.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: the executor, to run something on the writer thread. */
    ExecutorService executor() {
        return thread;
    }
}
