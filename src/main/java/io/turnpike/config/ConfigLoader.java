package io.turnpike.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads a YAML (or JSON) config, substitutes {@code ${ENV}} / {@code ${ENV:-default}} in values,
 * and validates it. Never throws for a bad file: every problem comes back located.
 */
public final class ConfigLoader {
    private static final List<String> SECTIONS = List.of("server", "services", "routes", "admin", "storage");
    private static final Map<String, String> PLANNED = Map.of(
            "cluster", "\"cluster\" is not supported yet",
            "plans", "\"plans\" is not supported yet",
            "consumers", "\"consumers\" is not supported yet",
            "auth", "\"auth\" is not supported yet",
            "clients", "\"clients\" is not supported yet",
            "alerts", "\"alerts\" is not supported yet");

    private ConfigLoader() {}

    /** The outcome: a config when there are no problems, else the problems (all of them). */
    public record Result(GatewayConfig config, List<Problem> problems) {
        public boolean ok() { return problems.isEmpty(); }
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
        Problems problems = new Problems(sourceName);
        GatewayConfig config = bind(text, env, problems);
        return problems.isEmpty() ? new Result(config, List.of()) : new Result(null, problems.sorted());
    }

    /** The file's bytes as read once, so a watcher can hash and parse the same content. */
    static Result parse(Path file, byte[] bytes, Function<String, String> env) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            Problems p = new Problems(file.toString());
            p.add(null, "", "the file is not UTF-8 text (expected: a UTF-8 YAML or JSON file)");
            return new Result(null, p.sorted());
        }
        Result r = parse(file.toString(), text, env);
        if (!r.ok()) return r;
        GatewayConfig c = r.config();
        return new Result(new GatewayConfig(file, c.server(), c.services(), c.routes()), List.of());
    }

    static Result unreadable(Path file, IOException e) {
        Problems p = new Problems(file.toString());
        p.add(null, "", e instanceof NoSuchFileException
                ? "cannot read the file: it does not exist"
                : "cannot read the file: " + e);
        return new Result(null, p.sorted());
    }

    private static GatewayConfig bind(String text, Function<String, String> env, Problems problems) {
        Node tree;
        try {
            // A BOM is legal at the start of a YAML stream but would read as part of the first key.
            String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
            tree = new Yaml(new LoaderOptions()).compose(new StringReader(JsonTabs.untab(body)));
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            problems.add(at, "", "invalid YAML: " + e.getProblem() + context + hint(e.getContext()));
            return null;
        } catch (YAMLException e) {
            problems.add(null, "", "invalid YAML: " + e.getMessage());
            return null;
        }
        if (tree == null) {
            problems.add(new Mark("", 0, 0, 0, new int[0], 0), "",
                    "the file is empty (expected: a mapping with server:, services: and routes:)");
            return null;
        }
        ConfigNode root = ConfigNode.root(tree, problems, env);
        if (!root.isMapping()) {
            root.expected("a mapping with server:, services: and routes:");
            return null;
        }
        // admin: and storage: are accepted and not read yet; the next version binds them.
        root.checkKeys(SECTIONS, PLANNED);
        ServerSettings server = ServerSection.bind(root.get("server"));
        Map<String, ServiceSpec> services = services(root.get("services"));
        List<RouteSpec> routes = RoutesSection.bind(root.get("routes"), services.keySet());
        return new GatewayConfig(null, server, services, routes);
    }

    /** The usual way into a flow-context error is an unquoted {@code {id}} inside {@code { }}. */
    private static String hint(String context) {
        return context != null && context.contains("flow")
                ? "; inside { } or [ ] quote values that contain { } [ ] or a comma, like path: \"/users/{id}\""
                : "";
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
