package io.turnpike.cluster;

import io.turnpike.config.ConfigSources;
import io.turnpike.config.ConfigSources.Section;
import io.turnpike.config.ConfigSources.SharedEntry;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Problem;
import io.turnpike.observe.alert.AlertEngine;
import io.turnpike.server.Gateway;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node applied of the fleet's shared state: every entity as of {@link #applied}, and
 * the changes this node refused. Changed only under the {@link Fleet}'s lock (its store thread,
 * or an admin write catching up); versions and refusals are also readable without it.
 */
final class AppliedState {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final ConfigSources sources;
    private final Map<String, StoreChange> entities = new LinkedHashMap<>(); // in version order
    // Read by the admin thread without the lock, so a store that hangs never holds up a GET.
    private final Map<String, String> refused = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final Map<String, Long> versions = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile long applied;
    private volatile Gateway gateway;
    private volatile AlertEngine alerts; // null: no alert rules here
    private GatewayConfig seen; // the config after the last apply here: another one means the file was reloaded

    AppliedState(ConfigSources sources) {
        this.sources = sources;
    }

    long applied() {
        return applied;
    }

    long version(String entity) {
        return versions.getOrDefault(entity, 0L);
    }

    Map<String, String> problems() {
        return Map.copyOf(refused);
    }

    Collection<StoreChange> entities() {
        return entities.values();
    }

    /** Once the gateway runs: gives the circuit orders and silences held so far to it. */
    void attach(Gateway gateway, AlertEngine alerts) {
        this.gateway = gateway;
        this.alerts = alerts;
        for (StoreChange e : entities.values()) {
            if (e.kind().equals(CircuitOrders.KIND)) circuit(e);
            if (e.kind().equals(SharedSilences.KIND)) refuse(e, SharedSilences.apply(alerts, e));
        }
    }

    /** Notes the config now serving as this object's own doing (not a file reload). */
    void settled() {
        seen = sources.current();
    }

    /**
     * After the file was reloaded, the changes this node refused are tried again: a file that now
     * has the service a shared route needs takes the route without another admin write.
     */
    void retryRefused() {
        GatewayConfig now = sources.current();
        if (now == seen) return;
        seen = now;
        if (refused.isEmpty()) return;
        List<StoreChange> again = new ArrayList<>();
        for (String entity : refused.keySet()) {
            StoreChange c = entities.get(entity);
            if (c != null) again.add(c);
        }
        again.sort(Comparator.comparingLong(StoreChange::version));
        for (StoreChange c : again) {
            Section section = section(c.kind());
            boolean fits = section != null
                    ? sources.applyShared(new SharedEntry(section, c.key(), c.body(), source(c))).isEmpty()
                    : c.kind().equals(CircuitOrders.KIND) && gateway != null && CircuitOrders.apply(gateway, c) == null;
            if (fits) {
                refused.remove(c.entity());
                log.info("shared change {} ({}) now fits this node's file and is applied", c.version(), c.entity());
            }
        }
        seen = sources.current();
    }

    /** Whether the store's change at this node's version is the one this node applied there. */
    boolean sameAsMine(StoreChange theirs) {
        if (theirs == null) return false;
        StoreChange mine = entities.get(theirs.entity());
        return mine != null && mine.version() == theirs.version() && java.util.Objects.equals(mine.body(), theirs.body());
    }

    /**
     * A batch of changes, as deltas: the overlay's changes bound and swapped together (one by one
     * only when some do not fit), then circuit orders and silences in order. The version advances
     * whether this node took each change or not.
     */
    void apply(List<StoreChange> batch) {
        Map<StoreChange, SharedEntry> overlay = new LinkedHashMap<>();
        for (StoreChange c : batch) {
            Section section = section(c.kind());
            if (section != null) overlay.put(c, new SharedEntry(section, c.key(), c.body(), source(c)));
        }
        Map<SharedEntry, List<Problem>> problems = overlay.isEmpty() ? Map.of()
                : sources.applyShared(new ArrayList<>(overlay.values()));
        for (StoreChange c : batch) {
            String problem;
            if (overlay.containsKey(c)) {
                List<Problem> p = problems.getOrDefault(overlay.get(c), List.of());
                problem = p.isEmpty() ? null : p.stream().map(Problem::toString).reduce((a, b) -> a + "; " + b).orElse("");
            } else if (c.kind().equals(CircuitOrders.KIND)) {
                problem = gateway == null ? null : CircuitOrders.apply(gateway, c);
            } else if (c.kind().equals(SharedSilences.KIND)) {
                problem = SharedSilences.apply(alerts, c);
            } else {
                problem = null; // a kind a newer node writes: kept, so a copy and a resync carry it along
            }
            entities.remove(c.entity()); // keeps the map in version order
            entities.put(c.entity(), c);
            versions.put(c.entity(), c.version());
            refuse(c, problem);
            applied = c.version();
        }
    }

    private void circuit(StoreChange c) {
        refuse(c, CircuitOrders.apply(gateway, c));
    }

    private void refuse(StoreChange c, String problem) {
        if (problem == null) {
            refused.remove(c.entity());
        } else {
            refused.put(c.entity(), "version " + c.version() + ": " + problem);
            log.warn("shared change {} ({}) refused on this node: {}", c.version(), c.entity(), problem);
        }
    }

    /** Replaces everything with {@code all} as of {@code version}. */
    void resync(long version, List<StoreChange> all, boolean circuits) {
        List<StoreChange> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingLong(StoreChange::version));
        List<SharedEntry> overlay = new ArrayList<>();
        Map<SharedEntry, StoreChange> by = new LinkedHashMap<>();
        for (StoreChange c : sorted) {
            Section section = section(c.kind());
            if (section == null) continue;
            SharedEntry e = new SharedEntry(section, c.key(), c.body(), source(c));
            overlay.add(e);
            by.put(e, c);
        }
        Map<SharedEntry, List<Problem>> problems = sources.replaceShared(overlay);
        Map<String, StoreChange> before = new LinkedHashMap<>(entities);
        entities.clear();
        refused.clear();
        for (StoreChange c : sorted) entities.put(c.entity(), c);
        versions.keySet().retainAll(entities.keySet());
        for (StoreChange c : sorted) versions.put(c.entity(), c.version());
        problems.forEach((e, p) -> refuse(by.get(e), p.stream().map(Problem::toString).reduce((a, b) -> a + "; " + b).orElse("")));
        if (circuits && gateway != null) {
            for (StoreChange c : sorted) {
                if (c.kind().equals(CircuitOrders.KIND)) circuit(c);
                if (c.kind().equals(SharedSilences.KIND)) refuse(c, SharedSilences.apply(alerts, c));
            }
            for (StoreChange gone : before.values()) {
                if (gone.kind().equals(CircuitOrders.KIND) && !entities.containsKey(gone.entity())) {
                    CircuitOrders.apply(gateway, new StoreChange(gone.version(), gone.kind(), gone.key(), null));
                }
            }
        }
        applied = version;
    }

    String problemLines() {
        return String.join("\n", refused.values());
    }

    private static Section section(String kind) {
        for (Section s : Section.values()) {
            if (s.key().equals(kind)) return s;
        }
        return null;
    }

    private static String source(StoreChange c) {
        return "shared change " + c.version() + " (" + c.entity() + ")";
    }
}
