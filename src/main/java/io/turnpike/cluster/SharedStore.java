package io.turnpike.cluster;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The fleet's shared admin state in PostgreSQL: an append-only change log, the current entities,
 * and the members' heartbeats. Writes take one advisory lock for the length of their transaction:
 * admin writes are rare, and the lock gives every change its place in one order without gaps, and
 * makes an {@code If-Match} comparison and the write that follows it one atomic step fleet-wide.
 * Connect and socket timeouts are short (1-2 s), so a lost store fails a call quickly instead of
 * hanging it. The URL's password never leaves this class.
 */
public final class SharedStore implements AutoCloseable {
    static final String CHANNEL = "turnpike_changes";
    private static final long WRITE_LOCK = 0x7475726e70696b65L; // "turnpike"
    /** How many changes the log keeps, and how often it is trimmed to that. */
    static final long KEPT = 10_000;
    private static final long TRIM_EVERY = 1_000;

    private final String jdbcUrl;
    private final Properties listenProps;
    private final HikariDataSource pool;
    private final String description;
    private volatile boolean schemaReady;

    /** The store failed: the next {@link #schema} call checks the tables again. */
    void recheckSchema() {
        schemaReady = false;
    }

    /** The outcome of a write: landed with its version, or refused as stale with the entity's current version. */
    public record Written(boolean landed, long version) {}

    /** Every entity (deletions included) as of one version. */
    record Entities(long version, List<StoreChange> entities) {}

    private SharedStore(String jdbcUrl, Properties listenProps, HikariDataSource pool, String description) {
        this.jdbcUrl = jdbcUrl;
        this.listenProps = listenProps;
        this.pool = pool;
        this.description = description;
    }

    /**
     * A pool on {@code postgresql://user:password@host:port/database}; never fails for a store that
     * is down (it is reached lazily), only for a URL that is not one.
     */
    public static SharedStore open(String url) {
        URI uri = URI.create(url);
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String jdbcUrl = "jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getPath() + query;
        Properties props = new Properties();
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            props.setProperty("user", decode(colon < 0 ? info : info.substring(0, colon)));
            if (colon >= 0) props.setProperty("password", decode(info.substring(colon + 1)));
        }
        props.setProperty("connectTimeout", "1");
        props.setProperty("loginTimeout", "2");
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "turnpike");
        Properties poolProps = new Properties();
        poolProps.putAll(props);
        poolProps.setProperty("socketTimeout", "2");
        Properties listenProps = new Properties();
        listenProps.putAll(props);
        listenProps.setProperty("socketTimeout", "5"); // getNotifications(timeout) waits less than this
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setDataSourceProperties(poolProps);
        hc.setPoolName("turnpike-fleet");
        hc.setMaximumPoolSize(2);
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(1_500);
        hc.setValidationTimeout(1_000);
        hc.setInitializationFailTimeout(-1); // a node starts (and serves its copy) while the store is down
        return new SharedStore(jdbcUrl, listenProps, new HikariDataSource(hc),
                "PostgreSQL " + uri.getHost() + ":" + port + uri.getPath());
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** Where the store is, without the credentials. */
    public String description() {
        return description;
    }

    /**
     * Creates the tables when they are missing (once); under the write lock, so nodes starting
     * together do not race. Every read and write calls it first: an admin request can reach a
     * node of a fresh fleet before its own start-up has made the tables, and would otherwise take
     * the missing table for a store that is down (a 503 for the first write).
     */
    void schema() throws SQLException {
        if (schemaReady) return;
        inTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")");
                st.execute("CREATE TABLE IF NOT EXISTS turnpike_changes (version bigint PRIMARY KEY, kind text NOT NULL,"
                        + " key text NOT NULL, body text NULL, origin text NOT NULL, at timestamptz NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS turnpike_entities (kind text NOT NULL, key text NOT NULL,"
                        + " version bigint NOT NULL, body text NULL, PRIMARY KEY (kind, key))");
                st.execute("CREATE TABLE IF NOT EXISTS turnpike_members (id text PRIMARY KEY, address text NOT NULL,"
                        + " config_version bigint NOT NULL, last_seen timestamptz NOT NULL, problems text NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS turnpike_registrations (service text NOT NULL, node text NOT NULL,"
                        + " url text NOT NULL, weight integer NOT NULL, expires_at timestamptz NOT NULL,"
                        + " PRIMARY KEY (service, node))");
            }
            c.commit();
            return null;
        });
        schemaReady = true;
    }

    /**
     * Writes one entity in one transaction: the lock, the {@code If-Match} comparison, the next
     * version, the log row, the entity, the notice.
     *
     * @param ifMatch the version the caller last saw (0: never written), or null: last write wins
     */
    public Written write(String kind, String key, String body, Long ifMatch, String origin) throws SQLException {
        schema();
        return inTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")");
            }
            long current = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM turnpike_entities WHERE kind = ? AND key = ?")) {
                ps.setString(1, kind);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) current = rs.getLong(1);
                }
            }
            if (ifMatch != null && ifMatch != current) {
                c.rollback();
                return new Written(false, current);
            }
            long version;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) + 1 FROM turnpike_changes")) {
                rs.next();
                version = rs.getLong(1);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO turnpike_changes (version, kind, key, body, origin, at) VALUES (?, ?, ?, ?, ?, now())")) {
                ps.setLong(1, version);
                ps.setString(2, kind);
                ps.setString(3, key);
                ps.setString(4, body);
                ps.setString(5, origin);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO turnpike_entities (kind, key, version, body)"
                    + " VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version, body = excluded.body")) {
                ps.setString(1, kind);
                ps.setString(2, key);
                ps.setLong(3, version);
                ps.setString(4, body);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
                ps.setString(1, Long.toString(version));
                ps.execute();
            }
            if (version % TRIM_EVERY == 0) {
                // The log keeps the last KEPT changes; a node further behind re-reads the entities instead.
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM turnpike_changes WHERE version <= ?")) {
                    ps.setLong(1, version - KEPT);
                    ps.executeUpdate();
                }
            }
            c.commit();
            return new Written(true, version);
        });
    }

    /** The log's newest and oldest versions (0, 0 when empty). */
    long[] bounds() throws SQLException {
        schema();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0), coalesce(min(version), 0) FROM turnpike_changes")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    /** Up to {@code limit} changes after {@code version}, in order. */
    List<StoreChange> after(long version, int limit) throws SQLException {
        schema();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT version, kind, key, body FROM turnpike_changes WHERE version > ? ORDER BY version LIMIT ?")) {
            ps.setLong(1, version);
            ps.setInt(2, limit);
            return changes(ps);
        }
    }

    /** The change at {@code version}, or null when the log has none there. */
    StoreChange at(long version) throws SQLException {
        List<StoreChange> one = after(version - 1, 1);
        return one.isEmpty() || one.get(0).version() != version ? null : one.get(0);
    }

    /** Every entity, in version order, read in one snapshot with the log's newest version. */
    Entities entities() throws SQLException {
        schema();
        return inTransaction(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            long latest;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM turnpike_changes")) {
                rs.next();
                latest = rs.getLong(1);
            }
            List<StoreChange> all;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT version, kind, key, body FROM turnpike_entities ORDER BY version")) {
                all = changes(ps);
            }
            c.commit();
            return new Entities(latest, all);
        });
    }

    private static List<StoreChange> changes(PreparedStatement ps) throws SQLException {
        List<StoreChange> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new StoreChange(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
        return out;
    }

    /**
     * A self-registration or its heartbeat: the row lives until {@code ttlMillis} from now by the
     * store's clock. Heartbeats are not logged as changes (there may be one per node every few
     * seconds); only a node that was not registered wakes the other gateways.
     */
    void register(String service, String node, String url, int weight, long ttlMillis) throws SQLException {
        schema();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO turnpike_registrations (service, node, url, weight, expires_at)"
                        + " VALUES (?, ?, ?, ?, now() + ? * interval '1 millisecond')"
                        + " ON CONFLICT (service, node) DO UPDATE SET url = excluded.url, weight = excluded.weight,"
                        + " expires_at = excluded.expires_at RETURNING (xmax = 0)")) {
            ps.setString(1, service);
            ps.setString(2, node);
            ps.setString(3, url);
            ps.setInt(4, weight);
            ps.setLong(5, ttlMillis);
            boolean inserted;
            try (ResultSet rs = ps.executeQuery()) {
                inserted = rs.next() && rs.getBoolean(1);
            }
            if (inserted) notifyRegistrations(c);
        }
    }

    /** Removes a registration; false when there was none. */
    boolean deregister(String service, String node) throws SQLException {
        schema();
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM turnpike_registrations WHERE service = ? AND node = ?")) {
            ps.setString(1, service);
            ps.setString(2, node);
            boolean gone = ps.executeUpdate() > 0;
            if (gone) notifyRegistrations(c);
            return gone;
        }
    }

    /** The live registrations with what is left of their time, by the store's clock; lapsed rows are dropped. */
    List<SharedRegistration> registrations() throws SQLException {
        schema();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.executeUpdate("DELETE FROM turnpike_registrations WHERE expires_at < now() - interval '1 minute'");
            try (ResultSet rs = st.executeQuery("SELECT service, node, url, weight,"
                    + " (extract(epoch FROM (expires_at - now())) * 1000)::bigint FROM turnpike_registrations"
                    + " WHERE expires_at > now() ORDER BY service, node")) {
                List<SharedRegistration> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new SharedRegistration(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                            rs.getLong(5)));
                }
                return out;
            }
        }
    }

    private static void notifyRegistrations(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', 'registrations')")) {
            ps.execute();
        }
    }

    /** A notice with no change behind it: members waiting for notices look at the store once more. */
    void wake() {
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', 'wake')")) {
            ps.execute();
        } catch (SQLException e) {
            // the store went away: the waiting thread sees that, or its tick, soon enough
        }
    }

    /** This node's row: its applied version and what it refused, stamped with the store's clock. */
    void heartbeat(String id, String address, long version, String problems) throws SQLException {
        schema();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO turnpike_members (id, address, config_version, last_seen, problems) VALUES (?, ?, ?, now(), ?)"
                        + " ON CONFLICT (id) DO UPDATE SET address = excluded.address,"
                        + " config_version = excluded.config_version, last_seen = now(), problems = excluded.problems")) {
            ps.setString(1, id);
            ps.setString(2, address);
            ps.setLong(3, version);
            ps.setString(4, problems);
            ps.executeUpdate();
        }
    }

    /** Every member that ever heartbeat, by id. */
    List<Member> members() throws SQLException {
        schema();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT id, address, config_version, last_seen, problems FROM turnpike_members ORDER BY id")) {
            List<Member> out = new ArrayList<>();
            while (rs.next()) {
                Timestamp seen = rs.getTimestamp(4);
                out.add(new Member(rs.getString(1), rs.getString(2), rs.getLong(3), seen.toInstant(), rs.getString(5)));
            }
            return out;
        }
    }

    /** A connection of its own that has run {@code LISTEN}: the caller waits on it for notices and closes it. */
    Connection listen() throws SQLException {
        Connection c = DriverManager.getConnection(jdbcUrl, listenProps);
        try (Statement st = c.createStatement()) {
            st.execute("LISTEN " + CHANNEL);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(Work<T> work) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                return work.run(c);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is gone; the transaction with it
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // Hikari evicts a broken connection
                }
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
