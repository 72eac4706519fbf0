package io.turnpike.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.turnpike.config.ConfigSources;
import io.turnpike.observe.alert.AlertEngine;
import io.turnpike.server.Gateway;
import io.turnpike.upstream.discovery.Discovery;
import java.io.IOException;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's part in a fleet that shares its admin state through a {@link SharedStore}. Every
 * change, this node's own included, is applied here in version order, as a delta, by one thread
 * of its own that waits on {@code LISTEN} and polls every second as the fallback; a node that
 * cannot take a change (its file lacks what the change needs) refuses that change alone, says so
 * in its member row, and goes on. After each applied batch the state is copied to the dataDir, so
 * a restart serves the last state before (and without) the store.
 */
public final class Fleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    private static final long TICK_MS = 1_000;
    private static final int BATCH = 1_000;

    /** What this node knows of the store. */
    public enum StoreState { CONNECTING, UP, DOWN }

    private final ConfigSources sources;
    private final NodeCopy copy;
    private final String configuredId;
    private final String storeUrl;
    private final AppliedState state; // changed under this object's lock
    private volatile long latest;
    private volatile StoreState storeState = StoreState.CONNECTING;
    private volatile String id;
    private volatile String address;
    private volatile SharedStore store;
    private volatile Gateway gateway;
    private volatile Thread thread;
    private volatile boolean running;

    private Fleet(ConfigSources sources, NodeCopy copy, String configuredId, String storeUrl) {
        this.sources = sources;
        this.copy = copy;
        this.configuredId = configuredId;
        this.storeUrl = storeUrl;
        this.state = new AppliedState(sources);
    }

    /**
     * Before the gateway starts: lays this node's last copy of the shared state over the file, so
     * the first request is served with it, whether or not the store answers.
     */
    public static Fleet prepare(ConfigSources sources) {
        var cluster = sources.current().cluster();
        if (!cluster.shared()) throw new IllegalStateException("cluster.store is not set");
        Fleet f = new Fleet(sources, new NodeCopy(sources.current().storage().dataDir()), cluster.id(), cluster.store());
        NodeCopy.State last;
        try {
            last = f.copy.read();
        } catch (IOException e) {
            log.warn("cannot read {} ({}); starting from the file alone until the store answers", f.copy.file(), e.toString());
            last = NodeCopy.State.EMPTY;
        }
        synchronized (f) {
            f.state.resync(last.version(), last.entities(), false);
        }
        if (last.version() > 0) log.info("serving the fleet's shared state as of version {} from {}", last.version(), f.copy.file());
        return f;
    }

    /**
     * Once the gateway listens: gives the copy's circuit orders to its breakers, then connects to
     * the store (in the background: a store that is down delays nothing) and follows it.
     */
    public void start(Gateway gateway, MeterRegistry registry) {
        start(gateway, registry, null);
    }

    /** As above, with the alert engine that takes the fleet's shared silences (null: none). */
    public void start(Gateway gateway, MeterRegistry registry, AlertEngine alerts) {
        String host = sources.current().server().host();
        this.address = host + ":" + gateway.port();
        this.id = configuredId != null ? configuredId : localName() + ":" + gateway.port();
        this.gateway = gateway;
        synchronized (this) {
            state.attach(gateway, alerts);
        }
        if (registry != null) {
            Gauge.builder("turnpike.cluster.config.version", this, Fleet::appliedVersion)
                    .description("The last shared-state version this node applied").register(registry);
            Gauge.builder("turnpike.cluster.store.up", this, f -> f.storeState == StoreState.UP ? 1 : 0)
                    .description("1 while the shared store answers").register(registry);
        }
        store = SharedStore.open(storeUrl);
        running = true;
        Thread t = new Thread(this::follow, "turnpike-fleet");
        t.setDaemon(true);
        thread = t;
        t.start();
        log.info("fleet member {} following the shared store at {}", id, store.description());
    }

    private static String localName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    public String id() {
        return id;
    }

    /** The last store version this node applied. */
    public long appliedVersion() {
        return state.applied();
    }

    /** The newest version this node has seen in the store. */
    public long storeVersion() {
        return Math.max(latest, state.applied());
    }

    public StoreState storeState() {
        return storeState;
    }

    /** The version of one entity as this node applied it; 0 when the store never had it. */
    public long version(String kind, String key) {
        return state.version(kind + "/" + key);
    }

    /** The shared changes this node refused, by entity ("routes/users"), one line each. */
    public Map<String, String> problems() {
        return state.problems();
    }

    /**
     * Writes one entity to the store, then catches up to it, so the caller reads its own write.
     * A store known to be down refuses at once.
     *
     * @param ifMatch the version the caller expects, or null: last write wins
     */
    public SharedStore.Written write(String kind, String key, String body, Long ifMatch) throws StoreDown {
        SharedStore s = store;
        if (s == null || storeState == StoreState.DOWN) {
            throw new StoreDown("the shared store (" + (s == null ? "not connected" : s.description()) + ") is down", null);
        }
        SharedStore.Written w;
        try {
            w = s.write(kind, key, body, ifMatch, id);
        } catch (SQLException e) {
            down(e);
            throw new StoreDown("the shared store (" + s.description() + ") did not take the change: " + e.getMessage(), e);
        }
        up(s);
        if (w.landed()) {
            try {
                catchUp(s);
            } catch (SQLException e) {
                log.warn("change {} is in the store; this node applies it when the store answers again ({})", w.version(), e.toString());
            }
        }
        return w;
    }

    /**
     * Applies what the store has beyond this node's version, so a write is validated against the
     * newest state; quietly nothing when the store is down (the write itself then answers).
     */
    public void catchUpNow() {
        SharedStore s = store;
        if (s == null || storeState == StoreState.DOWN) return;
        try {
            catchUp(s);
        } catch (SQLException e) {
            down(e);
        }
    }

    /**
     * Registers (or heartbeats) a node of a service through the store, then takes the fleet's
     * registrations here, so the caller sees its own registration.
     */
    public void register(String serviceId, Discovery.Registration r, long ttlMillis) throws StoreDown {
        SharedStore s = upOrRefuse();
        try {
            s.register(serviceId, r.host() + ":" + r.port(), r.url(), r.weight(), ttlMillis);
            syncRegistrations(s);
        } catch (SQLException e) {
            down(e);
            throw new StoreDown("the shared store (" + s.description() + ") did not take the registration: " + e.getMessage(), e);
        }
    }

    /** Removes a registration fleet-wide; idempotent. */
    public void deregister(String serviceId, String hostPort) throws StoreDown {
        SharedStore s = upOrRefuse();
        try {
            s.deregister(serviceId, hostPort);
            syncRegistrations(s);
        } catch (SQLException e) {
            down(e);
            throw new StoreDown("the shared store (" + s.description() + ") did not take the change: " + e.getMessage(), e);
        }
    }

    private SharedStore upOrRefuse() throws StoreDown {
        SharedStore s = store;
        if (s == null || storeState == StoreState.DOWN) {
            throw new StoreDown("the shared store (" + (s == null ? "not connected" : s.description()) + ") is down", null);
        }
        return s;
    }

    /** The store's registrations replace this node's: lapsed ones leave, new ones join, heartbeats extend. */
    private void syncRegistrations(SharedStore s) throws SQLException {
        Gateway g = gateway;
        if (g == null) return;
        Discovery d = g.discovery();
        Map<String, Map<String, Discovery.Registration>> shared = new HashMap<>();
        for (SharedRegistration r : s.registrations()) {
            try {
                Discovery.Registration parsed = d.parse(r.service(), r.url(), r.weight());
                if (parsed == null) continue; // the service takes no registrations on this node
                shared.computeIfAbsent(r.service(), k -> new HashMap<>()).put(r.node(), d.lasting(parsed, r.remainingMillis()));
            } catch (IllegalArgumentException e) {
                log.debug("registration {} of {} does not fit this node's service: {}", r.url(), r.service(), e.getMessage());
            }
        }
        d.replaceRegistrations(shared);
    }

    /** Every member's row; the store's own clock stamps {@code lastSeen}. */
    public List<Member> members() throws StoreDown {
        SharedStore s = store;
        if (s == null || storeState == StoreState.DOWN) throw new StoreDown("the shared store is down", null);
        try {
            return s.members();
        } catch (SQLException e) {
            down(e);
            throw new StoreDown("the shared store did not answer: " + e.getMessage(), e);
        }
    }

    // ---- the store thread

    private void follow() {
        Connection listen = null;
        long nextBeat = 0;
        while (running) {
            SharedStore s = store;
            try {
                s.schema();
                if (listen == null) listen = s.listen();
                catchUp(s); // also the poll that finds what a lost notice missed
                syncRegistrations(s);
                retryRefused();
                long now = System.nanoTime();
                if (now - nextBeat >= 0) {
                    s.heartbeat(id, address, state.applied(), state.problemLines());
                    nextBeat = now + TimeUnit.MILLISECONDS.toNanos(TICK_MS);
                }
                up(s);
                long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextBeat - System.nanoTime()));
                listen.unwrap(PGConnection.class).getNotifications((int) Math.min(wait, TICK_MS));
            } catch (SQLException | RuntimeException e) {
                if (!running) break;
                log.debug("fleet store loop: {}", e.toString());
                down(e);
                s.recheckSchema(); // a store restored from a backup (or a new one) may lack the tables
                closeQuietly(listen);
                listen = null;
                sleep(TICK_MS / 2);
            }
        }
        closeQuietly(listen);
    }

    private void up(SharedStore s) {
        if (storeState != StoreState.UP) {
            log.info("the shared store at {} answers; this node is at version {}", s.description(), state.applied());
            storeState = StoreState.UP;
            Gateway g = gateway;
            if (g != null) g.discovery().holdRegistrations(false);
        }
    }

    private void down(Exception e) {
        if (storeState != StoreState.DOWN) {
            log.warn("the shared store does not answer ({}); serving version {} and refusing admin writes until it is back",
                    e.getMessage(), state.applied());
            storeState = StoreState.DOWN;
            Gateway g = gateway;
            if (g != null) g.discovery().holdRegistrations(true);
        }
    }

    /** Applies everything after this node's version, in order; a full resync when the log cannot give that. */
    private synchronized void catchUp(SharedStore s) throws SQLException {
        long applied = state.applied();
        long[] bounds = s.bounds();
        latest = bounds[0];
        if (bounds[0] == applied) return;
        String why = bounds[0] < applied ? "is older than this node's state"
                : bounds[1] > applied + 1 ? "no longer holds the changes this node needs"
                : applied > 0 && !state.sameAsMine(s.at(applied)) ? "has another change at this node's version (it was reset)"
                : null;
        if (why != null) {
            log.warn("the store's log {} (versions {} to {}; this node is at {}): re-reading every entity",
                    why, bounds[1], bounds[0], applied);
            SharedStore.Entities all = s.entities();
            state.resync(all.version(), all.entities(), true);
            saveCopy();
            state.settled();
            return;
        }
        boolean changed = false;
        for (List<StoreChange> batch = s.after(applied, BATCH); !batch.isEmpty(); batch = s.after(state.applied(), BATCH)) {
            state.apply(batch);
            changed = true;
        }
        if (changed) saveCopy();
        state.settled();
    }

    /** Tries this node's refused changes again after a file reload. */
    private synchronized void retryRefused() {
        state.retryRefused();
    }

    private void saveCopy() {
        try {
            copy.write(state.applied(), state.entities());
        } catch (IOException e) {
            log.warn("cannot write {} ({}); a restart before the next change starts from an older copy", copy.file(), e.toString());
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // already gone
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        SharedStore s = store;
        if (t != null) {
            // No interrupt: one landing in the copy's write would close its file half written. A notice
            // ends the thread's wait for one now rather than at the next tick (up to a second later).
            if (s != null && storeState == StoreState.UP) s.wake();
            try {
                t.join(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (s != null) s.close();
    }
}
