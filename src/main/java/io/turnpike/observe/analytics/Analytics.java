package io.turnpike.observe.analytics;

import io.netty.util.internal.PlatformDependent;
import io.turnpike.proxy.ExchangeObserver;
import io.turnpike.proxy.ExchangeView;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process traffic rollups per route, service, node, consumer, status (and client profile): calls,
 * errors, 429s, bytes and latency histograms, at 10-second resolution for the last hour and 1-minute
 * resolution for the last day.
 *
 * <p>The event loop only copies an {@link AnalyticsRecord} and offers it to a bounded lock-free
 * queue (dropped and counted when full, never waited for). One rollup thread drains the queue into
 * the rings; readers (the admin API, the alert rules) take a lock the event loops never touch.
 * Closed minutes go to a {@link MinuteStore} so a restart does not blank the day.
 *
 * <p>Memory is bounded: at most {@code keysPerDimension} keys per dimension (more are counted under
 * {@link #OTHER}), 360 + 1440 slots, and one packed histogram per key per slot.
 */
public final class Analytics implements ExchangeObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Analytics.class);
    /** The key that traffic of keys past the cap is counted under. */
    public static final String OTHER = "(other)";
    public static final int DEFAULT_KEYS_PER_DIMENSION = 100;
    public static final int DEFAULT_QUEUE = 64 * 1024;
    static final long FINE_MILLIS = 10_000;
    static final long COARSE_MILLIS = 60_000;
    static final int FINE_SLOTS = 360;     // one hour of 10 s slots
    static final int COARSE_SLOTS = 1440;  // one day of 1 min slots
    private static final int BATCH = 4096;
    // A minute is stored this long after it ends, so records still queued for it are in.
    private static final long PERSIST_GRACE_MILLIS = 5_000;

    private final LongSupplier clock;
    private final Queue<AnalyticsRecord> queue;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    final Ring fine = new Ring(FINE_MILLIS, FINE_SLOTS);
    final Ring coarse = new Ring(COARSE_MILLIS, COARSE_SLOTS);
    private final EnumMap<Dimension, KeyTable> keys = new EnumMap<>(Dimension.class);
    private final MinuteStore store; // null: nothing persisted
    private long persistedUpTo; // start of the last minute handed to the store
    private long lastPrune;
    private Thread roller;
    private volatile boolean running;

    /**
     * @param clock epoch milliseconds; tests pass a hand-moved one
     * @param store where closed minutes go and the last day is read back from; null for none
     */
    public Analytics(LongSupplier clock, int keysPerDimension, int queueCapacity, MinuteStore store) {
        this.clock = clock;
        this.queue = PlatformDependent.newFixedMpscQueue(queueCapacity);
        for (Dimension d : Dimension.values()) keys.put(d, new KeyTable(keysPerDimension));
        this.store = store;
        long now = clock.getAsLong();
        this.persistedUpTo = coarse.startOf(now) - COARSE_MILLIS;
        this.lastPrune = now;
        if (store != null) restore(now);
    }

    /** Starts the rollup thread. Tests may instead call {@link #drain()} by hand. */
    public Analytics start() {
        running = true;
        roller = Thread.ofPlatform().name("turnpike-analytics").daemon().start(this::run);
        return this;
    }

    @Override
    public void onEnd(ExchangeView exchange) {
        offer(AnalyticsRecord.of(exchange, clock.getAsLong()));
    }

    /** Hands one record to the rollup thread; never blocks. False (and counted) when the queue is full. */
    public boolean offer(AnalyticsRecord r) {
        if (queue.offer(r)) return true;
        dropped.increment();
        return false;
    }

    private void run() {
        while (running) {
            try {
                if (drainBatch() == 0) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            } catch (RuntimeException e) {
                log.error("analytics rollup failed: {}", e.toString(), e);
            }
        }
        drain();
    }

    /** Rolls up everything queued (batch by batch), and stores minutes that closed. Returns the records taken. */
    public int drain() {
        int total = 0;
        int n;
        do {
            n = drainBatch();
            total += n;
        } while (n > 0);
        return total;
    }

    private int drainBatch() {
        int n = 0;
        lock.lock();
        try {
            AnalyticsRecord r;
            while (n < BATCH && (r = queue.poll()) != null) {
                add(r);
                n++;
            }
            long now = clock.getAsLong();
            persistClosedMinutes(now);
            if (now - lastPrune >= COARSE_MILLIS) {
                lastPrune = now;
                long horizon = now - COARSE_MILLIS * (COARSE_SLOTS + 1);
                keys.values().forEach(t -> t.forgetOlderThan(horizon));
            }
        } finally {
            lock.unlock();
        }
        return n;
    }

    private void add(AnalyticsRecord r) {
        Slot f = fine.forWrite(r.atMillis());
        Slot c = coarse.forWrite(r.atMillis());
        if (f == null && c == null) {
            late.increment();
            return;
        }
        if (f != null) f.total.add(r);
        if (c != null) c.total.add(r);
        for (Dimension d : Dimension.values()) {
            String key = d.keyOf(r);
            if (key == null) continue;
            key = keys.get(d).admit(key, r.atMillis());
            if (f != null) f.byKey.get(d).computeIfAbsent(key, k -> new Cell()).add(r);
            if (c != null) c.byKey.get(d).computeIfAbsent(key, k -> new Cell()).add(r);
        }
    }

    private void persistClosedMinutes(long now) {
        if (store == null) return;
        long closable = coarse.startOf(now - PERSIST_GRACE_MILLIS) - COARSE_MILLIS;
        while (persistedUpTo < closable) {
            persistedUpTo += COARSE_MILLIS;
            Slot s = coarse.forRead(persistedUpTo);
            if (s != null && s.total.calls > 0) store.write(MinuteStore.rows(s));
        }
    }

    private void restore(long now) {
        List<MinuteStore.Row> rows = store.load(now - COARSE_MILLIS * COARSE_SLOTS);
        for (MinuteStore.Row row : rows) {
            Slot s = coarse.forWrite(row.minute());
            if (s == null) continue;
            Cell cell = row.cell();
            if (row.dimension() == null) {
                s.total = cell;
            } else {
                String key = keys.get(row.dimension()).admit(row.key(), row.minute());
                s.byKey.get(row.dimension()).put(key, cell);
            }
        }
        if (!rows.isEmpty()) log.info("analytics: restored {} stored minute rollups", rows.size());
    }

    // ---- reading

    /** Everything a query needs, taken under the lock. */
    record Window(Ring ring, long from, long to) {
        int slots() {
            return (int) ((to - from) / ring.slotMillis);
        }
    }

    /** The 10 s ring for windows up to an hour, else the 1 min ring; the window ends with the current slot. */
    Window window(long windowMillis) {
        long now = clock.getAsLong();
        Ring ring = windowMillis <= FINE_MILLIS * FINE_SLOTS ? fine : coarse;
        long to = ring.startOf(now) + ring.slotMillis;
        long span = Math.max(ring.slotMillis, (windowMillis + ring.slotMillis - 1) / ring.slotMillis * ring.slotMillis);
        span = Math.min(span, ring.slotMillis * ring.length);
        return new Window(ring, to - span, to);
    }

    /**
     * All traffic ({@code dimension} null) or one key's, summed over the last {@code windowMillis}
     * (rounded up to whole slots) and the current slot so far.
     * Used by alert rules. Never null: an idle key reads as zero calls.
     */
    public Totals totals(Dimension dimension, String key, long windowMillis) {
        lock.lock();
        try {
            // The last windowMillis of whole slots plus the current, partly filled one; rates are
            // over the time that actually passed, so a slot that just began does not read as idle.
            long now = clock.getAsLong();
            Ring ring = windowMillis <= FINE_MILLIS * FINE_SLOTS ? fine : coarse;
            long whole = Math.min(ring.slotMillis * (ring.length - 1),
                    Math.max(ring.slotMillis, (windowMillis + ring.slotMillis - 1) / ring.slotMillis * ring.slotMillis));
            long current = ring.startOf(now);
            Cell sum = new Cell();
            for (long t = current - whole; t <= current; t += ring.slotMillis) {
                Slot s = ring.forRead(t);
                if (s == null) continue;
                Cell c = dimension == null ? s.total : s.byKey.get(dimension).get(key);
                if (c != null) sum.add(c);
            }
            return Totals.of(sum, Math.max(1, now - (current - whole)));
        } finally {
            lock.unlock();
        }
    }

    /** The keys of {@code dimension} with traffic in the last {@code windowMillis}. */
    public Set<String> keys(Dimension dimension, long windowMillis) {
        lock.lock();
        try {
            Window w = window(windowMillis);
            Set<String> out = new LinkedHashSet<>();
            for (long t = w.from(); t < w.to(); t += w.ring().slotMillis) {
                Slot s = w.ring().forRead(t);
                if (s != null) out.addAll(s.byKey.get(dimension).keySet());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** A time series and totals per key, as {@code GET /admin/analytics} answers. */
    public Report report(Dimension by, long windowMillis, int top, Report.Sort sort) {
        lock.lock();
        try {
            Window w = window(windowMillis);
            int n = w.slots();
            long step = w.ring().slotMillis;
            List<Totals> overall = new ArrayList<>(n);
            Map<String, Cell> sums = new HashMap<>();
            Cell all = new Cell();
            for (long t = w.from(); t < w.to(); t += step) {
                Slot s = w.ring().forRead(t);
                overall.add(Totals.of(s == null ? null : s.total, step));
                if (s == null) continue;
                all.add(s.total);
                if (by != null) s.byKey.get(by).forEach((k, c) -> sums.computeIfAbsent(k, x -> new Cell()).add(c));
            }
            List<Report.KeySeries> rows = new ArrayList<>();
            Map<String, Totals> keyTotals = new HashMap<>();
            sums.forEach((k, c) -> keyTotals.put(k, Totals.of(c, w.to() - w.from())));
            List<String> chosen = new ArrayList<>(keyTotals.keySet());
            chosen.sort(sort.order(keyTotals));
            if (top > 0 && chosen.size() > top) chosen = chosen.subList(0, top);
            for (String k : chosen) {
                List<Totals> points = new ArrayList<>(n);
                for (long t = w.from(); t < w.to(); t += step) {
                    Slot s = w.ring().forRead(t);
                    points.add(Totals.of(s == null ? null : s.byKey.get(by).get(k), step));
                }
                rows.add(new Report.KeySeries(k, keyTotals.get(k), points));
            }
            return new Report(by, windowMillis, w.from(), w.to(), step, Totals.of(all, w.to() - w.from()),
                    overall, rows, dropped.sum());
        } finally {
            lock.unlock();
        }
    }

    // ---- health of the analytics themselves

    /** Records dropped because the rollup thread fell behind (the queue was full). */
    public long dropped() {
        return dropped.sum();
    }

    /** Records that arrived after their slot had been reused (older than a day). */
    public long late() {
        return late.sum();
    }

    /** How many keys {@code dimension} tracks now (at most the cap). */
    public int keyCount(Dimension dimension) {
        lock.lock();
        try {
            return keys.get(dimension).size();
        } finally {
            lock.unlock();
        }
    }

    /** Approximate heap bytes the rollups hold (the histograms' own estimates plus fixed costs). */
    public long footprint() {
        lock.lock();
        try {
            return fine.footprint() + coarse.footprint();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        running = false;
        if (roller != null) {
            LockSupport.unpark(roller);
            try {
                roller.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            drain();
        }
        if (store != null) {
            lock.lock();
            try {
                // the minute in progress too: a restart within it keeps what it has so far
                long now = clock.getAsLong();
                persistClosedMinutes(now + COARSE_MILLIS + PERSIST_GRACE_MILLIS);
            } finally {
                lock.unlock();
            }
            store.close();
        }
    }
}
