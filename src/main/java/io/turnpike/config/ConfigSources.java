package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Where the running config comes from: the file's text and the admin overlay, combined into the
 * effective {@link GatewayConfig}. File reloads and admin changes both come through here and are
 * serialized on this object's lock, so neither loses the other's update (last writer wins per id).
 * Every change is validated by the loader on the whole combined document, then persisted, then
 * handed to the applier (the gateway) atomically. With {@code cluster.store} the overlay is the
 * fleet's: changes are only {@link #check checked} here, and come back through
 * {@link #applyShared} once the store has them; nothing is persisted in dataDir by this class.
 */
public final class ConfigSources {
    private static final Logger log = LoggerFactory.getLogger(ConfigSources.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The config sections the admin API changes per id. */
    public enum Section {
        ROUTES("routes"), SERVICES("services"), CONSUMERS("consumers"), PLANS("plans");

        private final String key;

        Section(String key) {
            this.key = key;
        }

        /** The section's key in the file. */
        public String key() {
            return key;
        }

        /** A list of entries with an {@code id} (routes, consumers), not a mapping by id (services, plans). */
        public boolean listed() {
            return this == ROUTES || this == CONSUMERS;
        }

        static Section named(String key) {
            for (Section s : values()) {
                if (s.key.equals(key)) return s;
            }
            return null;
        }
    }

    /** Which document {@link #document} shows. */
    public enum View { FILE, OVERLAY, EFFECTIVE }

    /** The outcome of an admin change. */
    public enum Status { OK, INVALID, NOT_FOUND }

    /**
     * @param entry    the entry as stored (OK), else null
     * @param problems what is wrong (INVALID), located in the change or the file
     */
    public record Change(Status status, JsonNode entry, List<Problem> problems) {}

    /**
     * One entry of the fleet's shared overlay.
     *
     * @param json   the entry as JSON, or null: deleted fleet-wide
     * @param source names the change in problem locations, e.g. {@code shared change 42}
     */
    public record SharedEntry(Section section, String id, String json, String source) {}

    /** {@link #open}'s outcome: sources, or the problems of a file that cannot serve. */
    public record Opened(ConfigSources sources, List<Problem> problems) {
        public boolean ok() { return sources != null; }
    }

    private final Path file;
    private final Function<String, String> env;
    private final OverlayStore store;
    private ConfigDocument fileDoc;
    private Overlay overlay;
    private volatile GatewayConfig current;
    private volatile Consumer<GatewayConfig> applier = c -> {};
    private final boolean shared; // cluster.store: the overlay is the fleet's and is kept by the cluster package

    private ConfigSources(Path file, Function<String, String> env, OverlayStore store, ConfigDocument fileDoc,
                          Overlay overlay, GatewayConfig current) {
        this.file = file;
        this.env = env;
        this.store = store;
        this.fileDoc = fileDoc;
        this.overlay = overlay;
        this.current = current;
        this.shared = current.cluster().shared();
    }

    /**
     * Reads the file as given and the overlay persisted under its {@code storage.dataDir}. An
     * overlay that no longer fits the file is logged with its problems, set aside, and left out:
     * the file alone serves.
     */
    public static Opened open(Path file, byte[] bytes, Function<String, String> env) {
        return open(file, ConfigLoader.document(file, bytes), env);
    }

    /** Like {@link #open(Path, byte[], Function)} for a config that is not in a file (the demo's). */
    public static Opened open(String sourceName, String text, Function<String, String> env) {
        return open(null, ConfigDocument.parse(sourceName, text, "the config is empty"), env);
    }

    private static Opened open(Path file, ConfigDocument doc, Function<String, String> env) {
        ConfigLoader.Result alone = withSource(ConfigLoader.bind(doc, Map.of(), Expansion.file(env)), file);
        if (!alone.ok()) return new Opened(null, alone.problems());
        OverlayStore store = new OverlayStore(alone.config().storage().dataDir());
        Overlay overlay = Overlay.EMPTY;
        GatewayConfig config = alone.config();
        List<Warning> warnings = alone.warnings();
        boolean shared = alone.config().cluster().shared();
        ConfigDocument persisted = shared ? null : store.read();
        if (shared && java.nio.file.Files.exists(store.file())) {
            log.warn("cluster.store is set: the admin changes in {} are not used (the fleet's shared changes are; "
                    + "this node's own changes are not copied into the store)", store.file());
        }
        if (persisted != null) {
            List<Problem> problems = new ArrayList<>();
            Overlay read = Overlay.read(persisted, problems);
            ConfigLoader.Result both = read == null ? null : withSource(bind(doc, read, Expansion.overlaid(env, read.sources())), file);
            if (both != null && both.ok()) {
                overlay = read;
                config = both.config();
                warnings = both.warnings();
                log.info("admin changes from {} applied over the file", store.file());
            } else {
                if (both != null) problems.addAll(both.problems());
                problems.forEach(p -> log.warn("{}", p));
                log.warn("the admin changes in {} do not fit the config file ({} problem{}); serving the file alone",
                        store.file(), problems.size(), problems.size() == 1 ? "" : "s");
                setAside(store);
            }
        }
        warnings.forEach(w -> log.warn("{}", w));
        return new Opened(new ConfigSources(file, env, store, doc, overlay, config), List.of());
    }

    private static void setAside(OverlayStore store) {
        try {
            log.warn("the unused admin changes are kept in {}", store.setAside());
        } catch (IOException e) {
            log.warn("could not move {} aside: {}; the next admin change replaces it", store.file(), e.toString());
        }
    }

    /** The effective config now serving (or about to). */
    public GatewayConfig current() {
        return current;
    }

    /** Where admin changes persist. */
    public Path overlayFile() {
        return store.file();
    }

    /** Who gets each new effective config, under the lock; typically {@code gateway::apply}. */
    public void applyTo(Consumer<GatewayConfig> applier) {
        this.applier = Objects.requireNonNull(applier, "applier");
    }

    /**
     * The file changed: combine its new content with the overlay and apply the result. A bad file,
     * or a file the overlay no longer fits, changes nothing and comes back with its problems.
     */
    public synchronized ConfigLoader.Result reloadFile(byte[] bytes) {
        ConfigDocument doc = ConfigLoader.document(file, bytes);
        ConfigLoader.Result alone = ConfigLoader.bind(doc, Map.of(), Expansion.file(env));
        if (!alone.ok()) return alone;
        ConfigLoader.Result both = withSource(bind(doc, overlay, Expansion.overlaid(env, overlay.sources())), file);
        if (!both.ok()) return both;
        applier.accept(both.config());
        both.warnings().forEach(w -> log.warn("{}", w));
        fileDoc = doc;
        current = both.config();
        return both;
    }

    /**
     * Validates a whole candidate config sent by an admin caller as a file, then (when it is fine
     * alone) with the overlay over it. Its values are checked as written: {@code ${...}} is not
     * expanded, so nothing of this process's environment can come back in a problem.
     */
    public synchronized ConfigLoader.Result validate(String sourceName, String text) {
        ConfigDocument doc = ConfigDocument.parse(sourceName, text, "the config is empty");
        ConfigLoader.Result alone = ConfigLoader.bind(doc, Map.of(), Expansion.none());
        return alone.ok() && !overlay.isEmpty() ? bind(doc, overlay, Expansion.none()) : alone;
    }

    /** A document in the config's own shape, values as written (unredacted: the caller redacts). */
    public synchronized JsonNode document(View view) {
        return switch (view) {
            case FILE -> NodeJson.of(fileDoc.root());
            case OVERLAY -> overlay.toJson();
            case EFFECTIVE -> NodeJson.of(overlay.applyTo(fileDoc.root()));
        };
    }

    /** One entry of the effective config, or null. */
    public synchronized JsonNode entry(Section section, String id) {
        // Found in the tree first: converting the whole config (10,000 routes, 100,000 consumers)
        // to JSON to read one entry made every admin write of a large config a quarter slower.
        Node found = entryNode(overlay.applyTo(fileDoc.root()), section, id);
        if (found != null) return NodeJson.of(found);
        JsonNode all = document(View.EFFECTIVE).path(section.key());
        if (!section.listed()) return all.isObject() ? all.get(id) : null;
        for (JsonNode route : all) {
            if (id.equals(route.path("id").asText(null))) return route;
        }
        return null;
    }

    /** The entry's node, or null when it is not written plainly in its section (then the JSON view decides). */
    private static Node entryNode(Node root, Section section, String id) {
        if (!(root instanceof MappingNode m)) return null;
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k) || !k.getValue().equals(section.key())) continue;
            if (section.listed() && t.getValueNode() instanceof org.yaml.snakeyaml.nodes.SequenceNode items) {
                for (Node item : items.getValue()) {
                    if (id.equals(Overlay.routeId(item))) return item;
                }
            } else if (!section.listed() && t.getValueNode() instanceof MappingNode entries) {
                for (NodeTuple e : entries.getValue()) {
                    if (e.getKeyNode() instanceof ScalarNode key && key.getValue().equals(id)) return e.getValueNode();
                }
            }
        }
        return null;
    }

    /** The section's entries in the effective config: a list of routes, or services by id. */
    public synchronized JsonNode entries(Section section) {
        JsonNode all = document(View.EFFECTIVE).get(section.key());
        if (all != null && (all.isArray() || all.isObject())) return all;
        return section.listed() ? JSON.createArrayNode() : JSON.createObjectNode();
    }

    /**
     * Sets one entry from a request body (YAML or JSON) shaped like one entry of the file: a route
     * (its id, if given, must be {@code id}) or a service's mapping. Its values are taken as
     * written, {@code ${...}} included (see {@link Expansion}).
     *
     * @param sourceName names the body in problem locations, e.g. {@code PUT /admin/routes/users-read}
     */
    public synchronized Change put(Section section, String id, String sourceName, String body) {
        Object entry = entryOf(section, id, sourceName, body);
        if (entry instanceof Change refused) return refused;
        return commit(overlay.with(section, id, (Node) entry, sourceName), NodeJson.of((Node) entry));
    }

    /**
     * Checks a change as {@link #put} would make it, and changes nothing: in a fleet the entry is
     * shared first and applied when it comes back from the store. OK carries the entry to share
     * (an id added, API keys hashed).
     */
    public synchronized Change check(Section section, String id, String sourceName, String body) {
        Object entry = entryOf(section, id, sourceName, body);
        if (entry instanceof Change refused) return refused;
        return checked(overlay.with(section, id, (Node) entry, sourceName), NodeJson.of((Node) entry));
    }

    /** Checks a deletion as {@link #delete} would make it, and changes nothing. */
    public synchronized Change checkDelete(Section section, String id) {
        if (entry(section, id) == null) return new Change(Status.NOT_FOUND, null, List.of());
        return checked(removed(overlay, section, id), null);
    }

    private Change checked(Overlay next, JsonNode entry) {
        Expansion expansion = Expansion.overlaid(env, next.sources());
        ConfigLoader.Result r = withSource(bind(fileDoc, next, expansion), file);
        if (!r.ok()) return new Change(Status.INVALID, null, expansion.forAdmin(r.problems()));
        return new Change(Status.OK, entry, List.of());
    }

    /**
     * Applies one change from the fleet's store like a local admin change (validated on the whole
     * config, then applied), without persisting it here. A change this node cannot take (its file
     * lacks a service the change needs, say) changes nothing and comes back with its problems.
     */
    public List<Problem> applyShared(SharedEntry change) {
        return applyShared(List.of(change)).getOrDefault(change, List.of());
    }

    /**
     * Applies changes from the fleet's store, in order, on top of the shared overlay: all at once
     * when they fit (one bind, one swap, however many changes a node catches up on), else one by
     * one, leaving out each that does not fit.
     *
     * @return the problems of the changes left out, by change
     */
    public synchronized Map<SharedEntry, List<Problem>> applyShared(List<SharedEntry> changes) {
        return layer(overlay, changes);
    }

    /**
     * Replaces the whole shared overlay (a node's copy at start, or a full resync) with
     * {@code entries}, as {@link #applyShared(List)} lays them.
     */
    public synchronized Map<SharedEntry, List<Problem>> replaceShared(List<SharedEntry> entries) {
        return layer(Overlay.EMPTY, entries);
    }

    private Map<SharedEntry, List<Problem>> layer(Overlay base, List<SharedEntry> changes) {
        Map<SharedEntry, List<Problem>> refused = new java.util.LinkedHashMap<>();
        Overlay all = base;
        for (SharedEntry e : changes) {
            try {
                all = with(all, e);
            } catch (IllegalArgumentException ex) {
                refused.put(e, List.of(new Problem(e.source(), 0, 0, e.section().key() + "." + e.id(), ex.getMessage())));
            }
        }
        ConfigLoader.Result r = withSource(bind(fileDoc, all, Expansion.overlaid(env, all.sources())), file);
        if (!r.ok()) {
            all = base;
            r = withSource(bind(fileDoc, all, Expansion.overlaid(env, all.sources())), file);
            for (SharedEntry e : changes) {
                if (refused.containsKey(e)) continue;
                Overlay next = with(all, e);
                Expansion expansion = Expansion.overlaid(env, next.sources());
                ConfigLoader.Result one = withSource(bind(fileDoc, next, expansion), file);
                if (one.ok()) {
                    all = next;
                    r = one;
                } else {
                    refused.put(e, expansion.forAdmin(one.problems()));
                }
            }
        }
        if (!r.ok() || all == overlay) return refused; // nothing to swap, or the file itself no longer binds
        applier.accept(r.config());
        overlay = all;
        current = r.config();
        return refused;
    }

    private Overlay with(Overlay base, SharedEntry change) {
        if (change.json() == null) return removed(base, change.section(), change.id());
        ConfigDocument doc = ConfigDocument.parse(change.source(), change.json(), "the shared entry is empty");
        if (!doc.ok() || doc.root() == null) throw new IllegalArgumentException("the shared entry is not JSON");
        return base.with(change.section(), change.id(), doc.root(), change.source());
    }

    /** Without the entry: one the file defines is hidden; one only the overlay defines is dropped. */
    private Overlay removed(Overlay base, Section section, String id) {
        return fileHas(section, id) ? base.with(section, id, null, null) : base.without(section, id);
    }

    /** The entry a PUT body makes (a {@link Node}), or the {@link Change} that refuses it. */
    private Object entryOf(Section section, String id, String sourceName, String body) {
        ConfigDocument doc = ConfigDocument.parse(sourceName, body, "the body is empty (expected: a JSON "
                + (section == Section.ROUTES ? "route, like {\"match\": {\"path\": \"/users/{id}\"}, \"service\": \"users\"}"
                : section == Section.CONSUMERS ? "consumer, like {\"groups\": [\"partners\"], \"credentials\": [{\"apiKey\": \"...\"}]}"
                : section == Section.PLANS ? "plan, like {\"rateLimit\": \"10/s\", \"quota\": \"10000/month\"}"
                : "service, like {\"nodes\": [\"http://127.0.0.1:9001\"]}") + ")");
        if (!doc.ok()) return new Change(Status.INVALID, null, doc.problems());
        Node entry = doc.root();
        if (section.listed() && entry instanceof MappingNode m) {
            Problem wrongId = wrongId(m, id, sourceName);
            if (wrongId != null) return new Change(Status.INVALID, null, List.of(wrongId));
            if (Overlay.routeId(m) == null) entry = withId(m, id);
        }
        // Only digests are kept: an API key in the body is hashed before anything is stored.
        if (section == Section.CONSUMERS) entry = CredentialDigests.hashApiKeys(entry);
        return entry;
    }

    /**
     * Removes one entry: one the file defines is hidden (a deletion in the overlay); one only the
     * overlay defines is dropped from it.
     */
    public synchronized Change delete(Section section, String id) {
        if (entry(section, id) == null) return new Change(Status.NOT_FOUND, null, List.of());
        return commit(removed(overlay, section, id), null);
    }

    private Change commit(Overlay next, JsonNode stored) {
        if (shared) throw new IllegalStateException("cluster.store is set: admin changes go through the fleet's store");
        Expansion expansion = Expansion.overlaid(env, next.sources());
        ConfigLoader.Result r = withSource(bind(fileDoc, next, expansion), file);
        // The file's values are expanded as always; the problems go to an admin caller, who must not read them.
        if (!r.ok()) return new Change(Status.INVALID, null, expansion.forAdmin(r.problems()));
        String json;
        try {
            json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(next.toJson()) + "\n";
            store.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the admin change to " + store.file() + ": " + e.getMessage(), e);
        }
        applier.accept(r.config());
        // Re-read what was written, so later problems about these entries point into the overlay file.
        List<Problem> ignored = new ArrayList<>();
        Overlay reread = Overlay.read(ConfigDocument.parse(store.file().toString(), json, null), ignored);
        overlay = reread != null ? reread : next;
        current = r.config();
        return new Change(Status.OK, stored, List.of());
    }

    private boolean fileHas(Section section, String id) {
        JsonNode fileSection = NodeJson.of(fileDoc.root()).path(section.key());
        if (!section.listed()) return fileSection.has(id);
        for (JsonNode route : fileSection) {
            if (id.equals(route.path("id").asText(null))) return true;
        }
        return false;
    }

    private static Problem wrongId(MappingNode route, String id, String sourceName) {
        for (NodeTuple t : route.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("id")
                    && !(t.getValueNode() instanceof ScalarNode v && v.getValue().equals(id))) {
                var at = t.getValueNode().getStartMark();
                String shown = t.getValueNode() instanceof ScalarNode v ? ConfigNode.quote(v.getValue()) : "not an id";
                return new Problem(sourceName, at.getLine() + 1, at.getColumn() + 1, "id", shown
                        + " differs from the id in the path (expected: " + ConfigNode.quote(id) + ", or no id)");
            }
        }
        return null;
    }

    private static MappingNode withId(MappingNode route, String id) {
        List<NodeTuple> tuples = new ArrayList<>();
        tuples.add(new NodeTuple(Overlay.scalar("id", route.getStartMark()), Overlay.scalar(id, route.getStartMark())));
        tuples.addAll(route.getValue());
        return new MappingNode(route.getTag(), true, tuples, route.getStartMark(), route.getEndMark(), route.getFlowStyle());
    }

    private static ConfigLoader.Result bind(ConfigDocument file, Overlay overlay, Expansion expansion) {
        ConfigDocument merged = new ConfigDocument(file.source(), overlay.applyTo(file.root()), file.problems());
        return ConfigLoader.bind(merged, overlay.sources(), expansion);
    }

    private static ConfigLoader.Result withSource(ConfigLoader.Result r, Path file) {
        return file == null ? r : r.withSource(file);
    }
}
