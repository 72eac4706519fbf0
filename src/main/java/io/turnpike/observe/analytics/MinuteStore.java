package io.turnpike.observe.analytics;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Minute rollups kept for {@link #RETENTION_DAYS} days in a small SQLite file of their own
 * ({@code dataDir/analytics.db}), written by one background thread so neither the event loops nor
 * the rollup thread ever wait for the disk. On start the last day is read back into memory.
 */
public final class MinuteStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MinuteStore.class);
    public static final int RETENTION_DAYS = 30;
    public static final String FILE = "analytics.db";
    private static final String TOTAL = "";

    /** One key's minute (dimension null = all traffic). */
    record Row(long minute, Dimension dimension, String key, Cell cell) {}

    private record Encoded(long minute, String dimension, String key, long calls, long errors, long limited,
                           long bytesIn, long bytesOut, byte[] latency) {}

    private final Connection db;
    private final ThreadPoolExecutor writer;
    private final LongAdder failed = new LongAdder();
    private long lastPurge;

    private MinuteStore(Connection db) {
        this.db = db;
        // One thread, a short queue: if the disk stalls for minutes, newer minutes are dropped (and
        // logged) rather than piling up in memory.
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(120),
                r -> Thread.ofPlatform().name("turnpike-analytics-store").daemon().unstarted(r),
                (r, e) -> {
                    failed.increment();
                    log.warn("analytics store is behind: a minute rollup was not stored");
                });
    }

    /** Opens (creating when missing) {@code dir/analytics.db}. Blocking: call it at start, off any event loop. */
    public static MinuteStore open(Path dir) throws SQLException {
        String url;
        try {
            url = SqliteFile.prepare(dir.resolve(FILE));
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS minute_rollup (
                      minute INTEGER NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL,
                      calls INTEGER NOT NULL, errors INTEGER NOT NULL, limited INTEGER NOT NULL,
                      bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL, latency BLOB NOT NULL,
                      PRIMARY KEY (minute, dimension, key))""");
        }
        return new MinuteStore(c);
    }

    /** A closed minute's rows, encoded now (on the rollup thread) so the writer needs no lock. */
    static List<Object> rows(Slot s) {
        List<Object> out = new ArrayList<>();
        if (s.total != null) out.add(encode(s.start, TOTAL, TOTAL, s.total));
        for (Map.Entry<Dimension, Map<String, Cell>> d : s.byKey.entrySet()) {
            d.getValue().forEach((k, c) -> out.add(encode(s.start, d.getKey().label(), k, c)));
        }
        return out;
    }

    /** A frozen cell's buckets as stored: (float value, int count) pairs, big-endian. */
    private static Encoded encode(long minute, String dim, String key, Cell c) {
        float[] values = c.values();
        int[] counts = c.counts();
        ByteBuffer buf = ByteBuffer.allocate(8 * values.length);
        for (int i = 0; i < values.length; i++) buf.putFloat(values[i]).putInt(counts[i]);
        return new Encoded(minute, dim, key, c.calls, c.errors, c.limited, c.bytesIn, c.bytesOut, buf.array());
    }

    private static Cell decode(byte[] latency) {
        ByteBuffer buf = ByteBuffer.wrap(latency);
        int n = latency.length / 8;
        float[] values = new float[n];
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = buf.getFloat();
            counts[i] = buf.getInt();
        }
        return Cell.frozen(Cell.MINUTE_DIGITS, values, counts);
    }

    /** Queues rows from {@link #rows} for writing; returns at once. */
    void write(List<Object> rows) {
        writer.execute(() -> store(rows));
    }

    private void store(List<Object> rows) {
        try {
            db.setAutoCommit(false);
            try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO minute_rollup VALUES (?,?,?,?,?,?,?,?,?)")) {
                for (Object o : rows) {
                    Encoded e = (Encoded) o;
                    p.setLong(1, e.minute());
                    p.setString(2, e.dimension());
                    p.setString(3, e.key());
                    p.setLong(4, e.calls());
                    p.setLong(5, e.errors());
                    p.setLong(6, e.limited());
                    p.setLong(7, e.bytesIn());
                    p.setLong(8, e.bytesOut());
                    p.setBytes(9, e.latency());
                    p.addBatch();
                }
                p.executeBatch();
            }
            long now = System.currentTimeMillis();
            if (now - lastPurge > 3_600_000) {
                lastPurge = now;
                try (PreparedStatement p = db.prepareStatement("DELETE FROM minute_rollup WHERE minute < ?")) {
                    p.setLong(1, now - TimeUnit.DAYS.toMillis(RETENTION_DAYS));
                    p.executeUpdate();
                }
            }
            db.commit();
        } catch (SQLException e) {
            failed.increment();
            log.warn("analytics store: a minute rollup was not stored: {}", e.toString());
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the connection is broken; the next write reports again
            }
        }
    }

    /** The rows of every minute from {@code sinceMillis} on. Blocking: at start only. */
    List<Row> load(long sinceMillis) {
        List<Row> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM minute_rollup WHERE minute >= ? ORDER BY minute")) {
            p.setLong(1, sinceMillis);
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    String dim = r.getString("dimension");
                    Dimension d = dim.isEmpty() ? null : Dimension.of(dim);
                    if (!dim.isEmpty() && d == null) continue;
                    Cell c = decode(r.getBytes("latency"));
                    c.calls = r.getLong("calls");
                    c.errors = r.getLong("errors");
                    c.limited = r.getLong("limited");
                    c.bytesIn = r.getLong("bytes_in");
                    c.bytesOut = r.getLong("bytes_out");
                    out.add(new Row(r.getLong("minute"), d, r.getString("key"), c));
                }
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("analytics store: cannot read stored minutes ({}); starting with an empty day", e.toString());
        }
        return out;
    }

    /** Minutes that could not be stored (disk errors, or the writer fell behind). */
    public long failed() {
        return failed.sum();
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            db.close();
        } catch (SQLException e) {
            log.warn("analytics store: close failed: {}", e.toString());
        }
    }
}
