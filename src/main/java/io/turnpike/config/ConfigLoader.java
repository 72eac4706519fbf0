package io.turnpike.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a YAML (or JSON) config, substitutes {@code ${ENV}} / {@code ${ENV:-default}} in values,
 * and validates it. Never throws for a bad file: every problem comes back located.
 */
public final class ConfigLoader {
    private static final List<String> SECTIONS = List.of("server", "services", "routes", "admin", "storage", "observe",
            "consumers", "auth", "plans", "cluster", "clients", "alerts");
    private static final Map<String, String> PLANNED = Map.of();

    private static final String EMPTY = "the file is empty (expected: a mapping with server:, services: and routes:)";

    private ConfigLoader() {}

    /**
     * The outcome: a config when there are no problems, else the problems (all of them); and the
     * warnings, which never make a config invalid.
     */
    public record Result(GatewayConfig config, List<Problem> problems, List<Warning> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }

        public Result(GatewayConfig config, List<Problem> problems) {
            this(config, problems, List.of());
        }

        public boolean ok() { return problems.isEmpty(); }

        Result withSource(Path file) {
            return ok() ? new Result(config.withSource(file), problems, warnings) : this;
        }
    }

    /** Reads {@code file}, with values substituted from the process environment. */
    public static Result load(Path file) {
        try {
            return parse(file, Files.readAllBytes(file), System::getenv);
        } catch (IOException e) {
            return unreadable(file, e);
        }
    }

    /** @param sourceName used in problem locations; @param env looks up environment variables */
    public static Result parse(String sourceName, String text, Function<String, String> env) {
        return bind(ConfigDocument.parse(sourceName, text, EMPTY), Map.of(), Expansion.file(env));
    }

    /** The file's bytes as read once, so a watcher can hash and parse the same content. */
    static Result parse(Path file, byte[] bytes, Function<String, String> env) {
        return bind(document(file, bytes), Map.of(), Expansion.file(env)).withSource(file);
    }

    static ConfigDocument document(Path file, byte[] bytes) {
        return ConfigDocument.parse(file.toString(), bytes, EMPTY);
    }

    static Result unreadable(Path file, IOException e) {
        ConfigProblems p = new ConfigProblems(file.toString());
        p.add(null, "", e instanceof NoSuchFileException
                ? "cannot read the file: it does not exist"
                : "cannot read the file: " + e);
        return new Result(null, p.sorted());
    }

    /**
     * Binds a parsed document (possibly the file with admin changes put in) into a config.
     *
     * @param otherSources the source of marks that come from another text than {@code doc}'s
     * @param expansion    which values take {@code ${ENV}} from where
     */
    static Result bind(ConfigDocument doc, Map<Mark, String> otherSources, Expansion expansion) {
        if (!doc.ok()) return new Result(null, doc.problems());
        ConfigProblems problems = new ConfigProblems(doc.source(), otherSources);
        GatewayConfig config = bind(doc.root(), expansion, problems);
        return problems.isEmpty() ? new Result(config, List.of(), problems.warnings())
                : new Result(null, problems.sorted(), problems.warnings());
    }

    private static GatewayConfig bind(Node tree, Expansion expansion, ConfigProblems problems) {
        return bind(ConfigNode.root(tree, problems, expansion));
    }

    /** Binds every section under {@code root}; run over a recording root, it tells {@link ConfigSchema} the shape. */
    static GatewayConfig bind(ConfigNode root) {
        if (!root.isMapping()) {
            root.expected("a mapping with server:, services: and routes:");
            return null;
        }
        root.checkKeys(SECTIONS, PLANNED);
        ServerSettings server = ServerSection.bind(root.get("server"));
        AdminSettings admin = AdminSection.bind(root.get("admin"), server);
        StorageSettings storage = StorageSection.bind(root.get("storage"));
        ObserveSettings observe = ObserveSection.bind(root.get("observe"));
        Map<String, ServiceSpec> services = services(root.get("services"));
        List<ClientProfileSpec> clients = ClientsSection.bind(root.get("clients"));
        List<RouteSpec> routes = RoutesSection.bind(root.get("routes"), services.keySet(),
                clients.stream().map(ClientProfileSpec::name).toList());
        Map<String, PlanSpec> plans = PlansSection.bind(root.get("plans"));
        List<ConsumerSpec> consumers = ConsumersSection.bind(root.get("consumers"), plans.keySet());
        AuthSettings auth = ConsumersSection.auth(root.get("auth"));
        AuthChecks.check(root.get("routes"), root.get("auth"), auth, server);
        ClusterSettings cluster = ClusterSection.bind(root.get("cluster"));
        AlertSettings alerts = AlertsSection.bind(root.get("alerts"));
        return new GatewayConfig(null, server, admin, storage, observe, services, routes, consumers, auth, plans,
                cluster, clients, alerts);
    }

    private static Map<String, ServiceSpec> services(ConfigNode node) {
        Map<String, ServiceSpec> out = new LinkedHashMap<>();
        node.entries().forEach((id, e) -> {
            if (!ServiceSection.ID.matcher(id).matches()) {
                node.problemAt(e.key().getStartMark(), "service id " + ConfigNode.quote(id)
                        + " (expected: an id of letters, digits and ._-)");
            }
            out.put(id, ServiceSection.bind(id, e.value()));
        });
        return out;
    }
}
