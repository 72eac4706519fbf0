package io.turnpike.observe.analytics;

import io.netty.util.internal.PlatformDependent;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.core.ExchangeView;
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
 * <p>Memory is bounded twice: at most {@code keysPerDimension} keys per dimension (more are counted
 * under {@link #OTHER}), and a byte budget over all slots (as the packed histograms estimate their
 * size): past it the oldest slots give up their per-key cells, keeping their totals.
 */
public final class Analytics implements ExchangeObserver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Analytics.class);
    /** The key that traffic of keys past the cap is counted under. */
    public static final String OTHER = "(other)";
    public static final int DEFAULT_KEYS_PER_DIMENSION = 100;
    public static final int DEFAULT_QUEUE = 64 * 1024;
    public static final long DEFAULT_BUDGET_BYTES = 96L << 20;
    static final long FINE_MILLIS = 10_000;
    static final long COARSE_MILLIS = 60_000;
    static final int FINE_SLOTS = 360;     // one hour of 10 s slots
    static final int COARSE_SLOTS = 1440;  // one day of 1 min slots
    private static final int BATCH = 4096;

    private final LongSupplier clock;
    private final Queue<AnalyticsRecord> queue;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    final Ring fine = new Ring(FINE_MILLIS, FINE_SLOTS);
    final Ring coarse = new Ring(COARSE_MILLIS, COARSE_SLOTS);
    private final EnumMap<Dimension, KeyTable> keys = new EnumMap<>(Dimension.class);
    private MinuteStore store; // null: nothing persisted; set once, under the lock
    private boolean awaitingStore; // slots are not closed until the store is attached (and read back)
    private final long budgetBytes;
    private long trimmedUpTo = Long.MIN_VALUE; // newest slot start whose per-key cells were dropped
    private long openFine; // start of the oldest 10 s slot not yet closed
    private long lastPrune;
    private Thread roller;
    private volatile boolean running;

    /**
     * @param clock epoch milliseconds; tests pass a hand-moved one
     * @param store where closed minutes go and the last day is read back from; null for none
     */
    public Analytics(LongSupplier clock, int keysPerDimension, int queueCapacity, MinuteStore store) {
        this(clock, keysPerDimension, queueCapacity, DEFAULT_BUDGET_BYTES, store);
    }

    /**
     * @param budgetBytes the most the rollups may hold (as the histograms estimate it); past it the
     *                    oldest slots lose their per-key detail first
     */
    public Analytics(LongSupplier clock, int keysPerDimension, int queueCapacity, long budgetBytes, MinuteStore store) {
        this.clock = clock;
        this.budgetBytes = budgetBytes;
        this.queue = PlatformDependent.newFixedMpscQueue(queueCapacity);
        for (Dimension d : Dimension.values()) keys.put(d, new KeyTable(keysPerDimension));
        this.store = store;
        long now = clock.getAsLong();
        this.openFine = fine.startOf(now);
        this.lastPrune = now;
        if (store != null) restore(now);
    }

    /**
     * Says that a store is being opened elsewhere and will be {@linkplain #attach attached}: until
     * then records are taken in but no slot is closed, so no minute is built before the stored ones
     * are read back, and none goes unstored.
     */
    public Analytics awaitStore() {
        lock.lock();
        try {
            if (store == null) awaitingStore = true;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** The store {@link #awaitStore} waited for (null: none could be opened); reads its last day back. */
    public void attach(MinuteStore opened) {
        lock.lock();
        try {
            if (!awaitingStore) throw new IllegalStateException("no store awaited");
            awaitingStore = false;
            store = opened;
            if (opened != null) restore(clock.getAsLong());
        } finally {
            lock.unlock();
        }
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

    /** Rolls up everything queued (batch by batch), and closes slots time has passed. Returns the records taken. */
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
            advance(now);
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
        // A record for a slot already closed (it waited in the queue across the boundary) is
        // counted in the open slot: a few ms late rather than lost.
        long at = Math.max(r.atMillis(), openFine);
        Slot f = fine.forWrite(at);
        if (f == null) {
            late.increment();
            return;
        }
        long before = f.bytes;
        f.total().add(r);
        if (!f.trimmed) {
            for (Dimension d : Dimension.ALL) {
                String key = d.keyOf(r);
                if (key == null) continue;
                f.cell(d, keys.get(d).admit(key, at)).add(r);
            }
        }
        fine.account(f, before);
        if (fine.footprint() + coarse.footprint() > budgetBytes) trim(at);
    }

    /**
     * Closes the 10 s slots that time has passed (their cells freeze into their compact form) and
     * builds each finished minute from its six 10 s slots, handing it to the store.
     */
    private void advance(long now) {
        if (awaitingStore) return;
        long current = fine.startOf(now);
        if (current - openFine > COARSE_MILLIS * COARSE_SLOTS) openFine = current - COARSE_MILLIS; // a long pause
        while (openFine < current) {
            Slot s = fine.forRead(openFine);
            if (s != null) {
                long before = s.bytes;
                s.freeze();
                fine.account(s, before);
            }
            openFine += FINE_MILLIS;
            if (openFine % COARSE_MILLIS == 0) buildMinute(openFine - COARSE_MILLIS, true);
        }
    }

    /** Builds the minute from its 10 s slots into the 1 min ring (and the store). */
    private Slot buildMinute(long minute, boolean persist) {
        Slot sum = sumMinute(minute);
        if (sum.total == null) return null; // no traffic this minute
        Slot m = coarse.forWrite(minute);
        if (m == null) return null;
        long before = m.bytes;
        sum.freeze();
        m.put(null, null, sum.total);
        sum.byKey.forEach((d, cells) -> cells.forEach((k, c) -> m.put(d, k, c)));
        coarse.account(m, before);
        if (persist && store != null) store.write(MinuteStore.rows(m));
        return m;
    }

    /**
     * A minute summed from its 10 s slots, plus what the 1 min ring already holds for it (read back
     * from the store after a restart): a slot of open cells, outside the ring.
     */
    private Slot sumMinute(long minute) {
        Slot stored = coarse.forRead(minute);
        Slot sum = new Slot();
        sum.start = minute;
        if (stored != null && stored.total != null) {
            sum.total = seeded(stored.total);
            stored.byKey.forEach((d, cells) -> cells.forEach((k, c) -> sum.byKey.get(d).put(k, seeded(c))));
        }
        for (long t = minute; t < minute + COARSE_MILLIS; t += FINE_MILLIS) {
            Slot f = fine.forRead(t);
            if (f == null || f.total == null) continue;
            if (sum.total == null) sum.total = seeded(null);
            sum.total.add(f.total);
            for (Dimension d : Dimension.values()) {
                Map<String, Cell> into = sum.byKey.get(d);
                f.byKey.get(d).forEach((k, c) -> into.computeIfAbsent(k, x -> seeded(null)).add(c));
            }
        }
        return sum;
    }

    /** A slot as queries see it: the minute in progress is summed from its 10 s slots on the fly. */
    private Slot read(Ring ring, long start, long now, Slot[] partial) {
        if (ring != coarse || start != coarse.startOf(now)) return ring.forRead(start);
        if (partial[0] == null) partial[0] = sumMinute(start);
        return partial[0];
    }

    /** An open minute cell holding what {@code stored} holds (nothing when null). */
    private static Cell seeded(Cell stored) {
        Cell c = new Cell(Cell.MINUTE_DIGITS);
        if (stored != null) c.add(stored);
        return c;
    }

    /**
     * Keeps the rollups within the budget: drops the per-key cells of the oldest slots first
     * (minutes older than the hour the 10 s ring covers, then the oldest 10 s slots), keeping each
     * slot's total. The 10 s slot being written is never trimmed.
     */
    private void trim(long now) {
        long fineNow = fine.startOf(now);
        long hourAgo = now - FINE_MILLIS * FINE_SLOTS;
        // a little headroom, so trimming is not done per record
        while (fine.footprint() + coarse.footprint() > budgetBytes * 9 / 10) {
            Slot old = coarse.oldestWithKeys(Long.MIN_VALUE);
            Ring ring = coarse;
            if (old == null || old.start >= hourAgo) {
                Slot f = fine.oldestWithKeys(fineNow);
                if (f != null) {
                    old = f;
                    ring = fine;
                }
            }
            if (old == null) return;
            long before = old.bytes;
            old.trim();
            ring.account(old, before);
            trimmedUpTo = Math.max(trimmedUpTo, old.start);
        }
    }

    private void restore(long now) {
        List<MinuteStore.Row> rows = store.load(now - COARSE_MILLIS * COARSE_SLOTS);
        for (MinuteStore.Row row : rows) {
            Slot s = coarse.forWrite(row.minute());
            if (s == null) continue;
            String key = row.dimension() == null ? null : keys.get(row.dimension()).admit(row.key(), row.minute());
            long before = s.bytes;
            s.put(row.dimension(), key, row.cell());
            coarse.account(s, before);
        }
        if (!rows.isEmpty()) log.info("analytics: restored {} stored minute rollups", rows.size());
        if (coarse.footprint() > budgetBytes) trim(now);
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
            advance(clock.getAsLong());
            // The last windowMillis of whole slots plus the current, partly filled one; rates are
            // over the time that actually passed, so a slot that just began does not read as idle.
            long now = clock.getAsLong();
            Ring ring = windowMillis <= FINE_MILLIS * FINE_SLOTS ? fine : coarse;
            long whole = Math.min(ring.slotMillis * (ring.length - 1),
                    Math.max(ring.slotMillis, (windowMillis + ring.slotMillis - 1) / ring.slotMillis * ring.slotMillis));
            long current = ring.startOf(now);
            Cell sum = new Cell(Cell.DIGITS);
            Slot[] partial = new Slot[1];
            for (long t = current - whole; t <= current; t += ring.slotMillis) {
                Slot s = read(ring, t, now, partial);
                if (s == null || s.total == null) continue;
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
            advance(clock.getAsLong());
            Window w = window(windowMillis);
            long now = clock.getAsLong();
            Slot[] partial = new Slot[1];
            Set<String> out = new LinkedHashSet<>();
            for (long t = w.from(); t < w.to(); t += w.ring().slotMillis) {
                Slot s = read(w.ring(), t, now, partial);
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
            advance(clock.getAsLong());
            Window w = window(windowMillis);
            long now = clock.getAsLong();
            Slot[] partial = new Slot[1];
            int n = w.slots();
            long step = w.ring().slotMillis;
            List<Totals> overall = new ArrayList<>(n);
            Map<String, Cell> sums = new HashMap<>();
            Cell all = new Cell(Cell.DIGITS);
            for (long t = w.from(); t < w.to(); t += step) {
                Slot s = read(w.ring(), t, now, partial);
                overall.add(Totals.of(s == null ? null : s.total, step));
                if (s == null || s.total == null) continue;
                all.add(s.total);
                if (by != null) s.byKey.get(by).forEach((k, c) -> sums.computeIfAbsent(k, x -> new Cell(Cell.DIGITS)).add(c));
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
                    Slot s = read(w.ring(), t, now, partial);
                    points.add(Totals.of(s == null ? null : s.byKey.get(by).get(k), step));
                }
                rows.add(new Report.KeySeries(k, keyTotals.get(k), points));
            }
            return new Report(by, windowMillis, w.from(), w.to(), step, Totals.of(all, w.to() - w.from()),
                    overall, rows, dropped.sum(), trimmedUpTo >= w.from() ? trimmedUpTo + step : 0);
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
                advance(now);
                Slot m = buildMinute(coarse.startOf(now), false);
                if (m != null && m.total != null) store.write(MinuteStore.rows(m));
            } finally {
                lock.unlock();
            }
            store.close();
        }
    }
}
