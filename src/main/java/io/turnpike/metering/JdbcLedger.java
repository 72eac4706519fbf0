package io.turnpike.metering;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ledger in SQL: SQLite (one connection, WAL) or PostgreSQL (a small HikariCP pool). Buckets
 * hold running totals; each batch adds its deltas and records the writer's batch number in the
 * same transaction, which is what makes a retried batch harmless.
 */
public final class JdbcLedger implements Ledger {
    private static final String USAGE_TABLE = """
            CREATE TABLE IF NOT EXISTS ledger_usage (
              consumer      VARCHAR(200) NOT NULL,
              route         VARCHAR(200) NOT NULL,
              status_class  INTEGER NOT NULL,
              minute        BIGINT NOT NULL,
              calls         BIGINT NOT NULL,
              units         BIGINT NOT NULL,
              overage_units BIGINT NOT NULL,
              PRIMARY KEY (consumer, minute, route, status_class))""";
    private static final String FLUSH_TABLE = """
            CREATE TABLE IF NOT EXISTS ledger_batches (
              writer     VARCHAR(64) PRIMARY KEY,
              seq        BIGINT NOT NULL,
              applied_at BIGINT NOT NULL)""";
    private static final String MINUTE_INDEX = "CREATE INDEX IF NOT EXISTS ledger_usage_minute ON ledger_usage (minute)";
    private static final String UPSERT = """
            INSERT INTO ledger_usage (consumer, route, status_class, minute, calls, units, overage_units)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (consumer, minute, route, status_class) DO UPDATE SET
              calls = ledger_usage.calls + excluded.calls,
              units = ledger_usage.units + excluded.units,
              overage_units = ledger_usage.overage_units + excluded.overage_units""";
    private static final String MARK = """
            INSERT INTO ledger_batches (writer, seq, applied_at) VALUES (?, ?, ?)
            ON CONFLICT (writer) DO UPDATE SET seq = excluded.seq, applied_at = excluded.applied_at""";

    private final String description;
    private final HikariDataSource pool; // PostgreSQL; null for SQLite
    private Connection sqlite;           // SQLite: the one connection
    private final String sqliteUrl;
    private boolean tablesDue;           // SQLite opened on first use: the tables are made then

    private JdbcLedger(String description, HikariDataSource pool, String sqliteUrl) {
        this.description = description;
        this.pool = pool;
        this.sqliteUrl = sqliteUrl;
    }

    /** SQLite at {@code file} (its folder is created), WAL mode, owner-only files. */
    public static JdbcLedger sqlite(Path file) throws Exception {
        JdbcLedger l = sqliteOnFirstUse(file);
        l.schema();
        return l;
    }

    /**
     * As {@link #sqlite}, but connected (and its tables made) at the first write or read, on the
     * thread that does it: SQLite's driver unpacks and loads its native library first, time a start
     * need not wait for when nothing is metered yet. The file is created here, so a folder that
     * cannot be written to still stops the start.
     */
    static JdbcLedger sqliteOnFirstUse(Path file) throws Exception {
        JdbcLedger l = new JdbcLedger("SQLite " + file, null, io.turnpike.observe.analytics.SqliteFile.prepare(file));
        l.tablesDue = true;
        return l;
    }

    /** PostgreSQL at a {@code postgresql://user:password@host:port/database} URL. */
    public static JdbcLedger postgresql(String url) throws Exception {
        URI uri = URI.create(url);
        HikariConfig hc = new HikariConfig();
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        hc.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getPath() + query);
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            hc.setUsername(decode(colon < 0 ? info : info.substring(0, colon)));
            if (colon >= 0) hc.setPassword(decode(info.substring(colon + 1)));
        }
        hc.setPoolName("turnpike-ledger");
        hc.setMaximumPoolSize(2);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(5_000);
        hc.setInitializationFailTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(hc);
        JdbcLedger l = new JdbcLedger("PostgreSQL " + uri.getHost() + ":" + port + uri.getPath(), ds, null);
        try {
            l.schema();
        } catch (Exception e) {
            ds.close();
            throw e;
        }
        return l;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private Connection connection() throws SQLException {
        if (pool != null) return pool.getConnection();
        if (sqlite == null || sqlite.isClosed()) {
            Connection c = DriverManager.getConnection(sqliteUrl);
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                // NORMAL: a commit is in the WAL file when it returns, so a killed process loses
                // nothing committed; only a power loss can take the last commits.
                st.execute("PRAGMA synchronous=NORMAL");
                st.execute("PRAGMA busy_timeout=5000");
            }
            if (tablesDue) {
                try {
                    tables(c);
                } catch (SQLException e) {
                    c.close(); // tried again with the next batch
                    throw e;
                }
                tablesDue = false;
            }
            sqlite = c;
        }
        return sqlite;
    }

    /** Returns a pooled connection; SQLite's one connection stays open. */
    private void done(Connection c) throws SQLException {
        if (pool != null) c.close();
    }

    private void schema() throws SQLException {
        Connection c = connection();
        try {
            tables(c);
        } finally {
            done(c);
        }
    }

    private static void tables(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(USAGE_TABLE);
            st.execute(FLUSH_TABLE);
            st.execute(MINUTE_INDEX);
        }
    }

    @Override
    public boolean apply(String writer, long seq, Map<UsageKey, UsageCounts> deltas) throws SQLException {
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            try {
                long applied = -1;
                try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM ledger_batches WHERE writer = ?")) {
                    ps.setString(1, writer);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) applied = rs.getLong(1);
                    }
                }
                if (applied >= seq) {
                    c.rollback();
                    return false;
                }
                try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
                    for (Map.Entry<UsageKey, UsageCounts> e : deltas.entrySet()) {
                        UsageKey k = e.getKey();
                        UsageCounts v = e.getValue();
                        ps.setString(1, k.consumer());
                        ps.setString(2, k.route());
                        ps.setInt(3, k.statusClass());
                        ps.setLong(4, k.minute());
                        ps.setLong(5, v.calls());
                        ps.setLong(6, v.units());
                        ps.setLong(7, v.overageUnits());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement(MARK)) {
                    ps.setString(1, writer);
                    ps.setLong(2, seq);
                    ps.setLong(3, System.currentTimeMillis());
                    ps.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone; the batch is retried on a new one
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } finally {
            done(c);
        }
    }

    @Override
    public Map<UsageKey, UsageCounts> usage(String consumer, String route, long fromMinute, long toMinute)
            throws SQLException {
        StringBuilder sql = new StringBuilder("""
                SELECT consumer, route, status_class, SUM(calls), SUM(units), SUM(overage_units)
                FROM ledger_usage WHERE minute >= ? AND minute < ?""");
        if (consumer != null) sql.append(" AND consumer = ?");
        if (route != null) sql.append(" AND route = ?");
        sql.append(" GROUP BY consumer, route, status_class ORDER BY consumer, route, status_class");
        Map<UsageKey, UsageCounts> out = new LinkedHashMap<>();
        Connection c = connection();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            ps.setLong(i++, fromMinute);
            ps.setLong(i++, toMinute);
            if (consumer != null) ps.setString(i++, consumer);
            if (route != null) ps.setString(i, route);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(new UsageKey(rs.getString(1), rs.getString(2), rs.getInt(3), 0),
                            new UsageCounts(rs.getLong(4), rs.getLong(5), rs.getLong(6)));
                }
            }
        } finally {
            done(c);
        }
        return out;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        if (pool != null) pool.close();
        if (sqlite != null) {
            try {
                sqlite.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
