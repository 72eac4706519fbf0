package io.turnpike.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.turnpike.demo.DemoConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schema and the loader agree, checked with a real validator (networknt, draft 2020-12):
 * the committed docs/turnpike.schema.json is what {@code turnpike schema} prints; the demo config
 * and every YAML example of docs/CONFIG.md validate; good configs in every shape the loader takes
 * are taken by both, and bad ones refused by both.
 */
class ConfigSchemaTest {
    private static final Path COMMITTED = Path.of("docs/turnpike.schema.json");
    private static final Path REFERENCE = Path.of("docs/CONFIG.md");
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Schema SCHEMA = REGISTRY.getSchema(ConfigSchema.text(), InputFormat.JSON);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A config both accept; each bad one below breaks it in one place. */
    private static final String BASE = """
            services:
              users:
                nodes: [http://127.0.0.1:9001]
            routes:
              - id: users
                match: { path: "/users/{id}" }
                service: users
            """;

    @Test
    void theCommittedSchemaIsWhatTurnpikeSchemaPrints() throws Exception {
        assertThat(Files.readString(COMMITTED))
                .as("docs/turnpike.schema.json is stale: regenerate it with  ./turnpike schema > docs/turnpike.schema.json")
                .isEqualTo(ConfigSchema.text());
    }

    @Test
    void theSchemaIsADraft202012Schema() {
        Schema meta = REGISTRY.getSchema(SchemaLocation.of(ConfigSchema.DIALECT));
        assertThat(meta.validate(ConfigSchema.text(), InputFormat.JSON)).isEmpty();
        assertThat(ConfigSchema.text()).startsWith("{\n  \"$schema\": \"" + ConfigSchema.DIALECT + "\"");
    }

    @Test
    void theDemoConfigValidates() {
        GatewayConfig demo = DemoConfig.build("127.0.0.1", 8080, 9080, Path.of("data"),
                Map.of("users", List.of(9001, 9002), "orders", List.of(9003, 9004), "catalog", List.of(9005, 9006)));
        String yaml = DemoConfig.yaml(demo);
        assertThat(ConfigLoader.parse("demo.yaml", yaml, name -> null).problems()).isEmpty();
        assertThat(errors(yaml)).isEmpty();
    }

    /**
     * Every {@code ```yaml} block of the reference: a whole config, or, after
     * {@code <!-- fragment: routes[] -->}, some of the keys of a value at that path (its required
     * keys may be left out); a block marked {@code <!-- not-a-config -->} (a deliberately broken
     * example) must be refused.
     */
    @Test
    void everyYamlExampleInTheReferenceValidates() throws Exception {
        List<String> lines = Files.readAllLines(REFERENCE);
        Pattern marker = Pattern.compile("<!--\\s*(not-a-config|fragment:\\s*(\\S+))\\s*-->");
        int examples = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```yaml")) continue;
            int start = i + 1;
            int end = start;
            while (!lines.get(end).strip().equals("```")) end++;
            String yaml = String.join("\n", lines.subList(start, end)) + "\n";
            String before = i > 0 ? lines.get(i - 1).strip() : "";
            if (before.isEmpty() && i > 1) before = lines.get(i - 2).strip();
            Matcher m = marker.matcher(before);
            String where = "docs/CONFIG.md:" + (i + 1);
            if (m.matches() && m.group(2) == null) {
                assertThat(refused(yaml)).as(where + " is marked not-a-config but is a valid config").isTrue();
            } else if (m.matches()) {
                assertThat(errors(at(m.group(2)), yaml)).as(where + " (a value at " + m.group(2) + ")").isEmpty();
            } else {
                assertThat(errors(yaml)).as(where).isEmpty();
            }
            examples++;
            i = end;
        }
        assertThat(examples).isGreaterThan(15);
    }

    /** The reference's tables reach the keys they describe, however the tables name them. */
    @Test
    void keysGetTheirMeaningFromTheReference() throws Exception {
        JsonNode s = JSON.readTree(ConfigSchema.text());
        Map<String, String> expected = Map.of(
                "/properties/server/properties/limits/properties/maxHeaders", "header fields in one request head",
                "/properties/services/additionalProperties/properties/nodes/anyOf/0/items/anyOf/0/properties/weight",
                "share of requests relative to", // under <!-- keys under: services.<id>.nodes[] -->
                "/properties/alerts/properties/retry/properties/maxBackoff", "the wait between attempts", // two keys, one row
                "/properties/plans/additionalProperties/properties/rateLimit/anyOf/0/properties/burst", "calls an idle key",
                "/properties/routes/items/properties/rateLimit/anyOf/1/items/anyOf/0/properties/key", "what one budget belongs to",
                "/properties/routes/items/properties/policies/properties/ipDeny", "deny wins",
                "/properties/clients/additionalProperties/properties/when/properties/userAgent", "first 512 characters",
                "/properties/services/additionalProperties/properties/retries", "When a failed try is tried again"); // a heading's paragraph
        expected.forEach((pointer, text) -> assertThat(s.at(pointer + "/description").asText()).as(pointer).contains(text));
        assertThat(s.at("/properties/server/properties/limits/properties/maxHeaders/default").asInt()).isEqualTo(100);
        assertThat(s.at("/properties/alerts/properties/retry/properties/maxBackoff/default").asText()).isEqualTo("5m");
        Map<String, Boolean> described = ConfigSchema.record(ConfigLoader::bind, ConfigReference.packed()).described();
        assertThat(described.values().stream().filter(b -> b).count()).as("described of " + described.size())
                .isGreaterThan(described.size() * 2 / 3);
    }

    /** A default the reference gives is a value its key takes. */
    @Test
    void everyDefaultFitsItsKey() throws Exception {
        List<String> checked = new ArrayList<>();
        defaults(JSON.readTree(ConfigSchema.text()), "", checked);
        assertThat(checked).hasSizeGreaterThan(40);
    }

    private static void defaults(JsonNode node, String path, List<String> checked) {
        if (node.isObject()) {
            if (node.has("default")) {
                ObjectNode schema = ((ObjectNode) node.deepCopy()).put("$schema", ConfigSchema.DIALECT);
                schema.remove("default");
                List<Error> errors = REGISTRY.getSchema(schema.toString(), InputFormat.JSON)
                        .validate(node.get("default").toString(), InputFormat.JSON);
                assertThat(errors).as("default of " + path).isEmpty();
                checked.add(path);
            }
            node.properties().forEach(e -> defaults(e.getValue(), path + "/" + e.getKey(), checked));
        } else if (node.isArray()) {
            node.forEach(n -> defaults(n, path + "[]", checked));
        }
    }

    static Stream<Arguments> goodConfigs() {
        return Stream.of(
                Arguments.of("a placeholder where a number goes", "server: { eventLoops: \"${LOOPS:-2}\", limits: { maxHeaders: \"${MAX:-100}\" } }\n"),
                Arguments.of("a placeholder where a word goes", "server: { limits: { headersWithUnderscores: \"${UNDERSCORES:-drop}\" } }\n"),
                Arguments.of("a lone node and a lone method", BASE.replace("[http://127.0.0.1:9001]", "http://127.0.0.1:9001")
                        .replace("{ path: \"/users/{id}\" }", "{ path: \"/users/{id}\", methods: get }")),
                Arguments.of("a node as a mapping", BASE.replace("[http://127.0.0.1:9001]", "[{ url: http://127.0.0.1:9001, weight: 3 }]")),
                Arguments.of("minRequestBodyRate off", "server: { limits: { minRequestBodyRate: off } }\n"),
                Arguments.of("minRequestBodyRate as a mapping", "server: { limits: { minRequestBodyRate: { bytesPerSecond: 1KiB, grace: 0 } } }\n"),
                Arguments.of("rate limits in every shape", BASE + "    rateLimit: [10/s, { limit: 100/min, burst: 20, key: [ip, \"header:X-Tenant\"] }]\n"
                        + "plans: { free: { rateLimit: 5/s }, pro: { rateLimit: { limit: 50/s, burst: 5 } } }\n"),
                Arguments.of("discovery by name and as a mapping", "services:\n  a: { discovery: dns://a.internal:8080 }\n"
                        + "  b: { discovery: { dns: \"b.internal:8080\", refresh: 10s }, registration: { ttl: 30s } }\n"),
                Arguments.of("a hash balancer and shares both ways", BASE.replace("    nodes:", "    loadBalancer: hash(header:X-User)\n"
                        + "    retries: { on: [reset, 503], budget: 0.3 }\n    outlierDetection: { maxEjected: 50% }\n    nodes:")),
                Arguments.of("a secret header template", BASE + "    transform:\n      default:\n        request:\n          headers:\n"
                        + "            set: { Authorization: { value: \"Bearer ${TOKEN:-x}\", secret: true }, X-A: b }\n"),
                Arguments.of("an aggregate route without service", BASE + "  - id: dash\n    match: { path: \"/dash/{id}\" }\n"
                        + "    aggregate: { calls: { u: { service: users, path: \"/users/{id}\", body: { a: [1, true] }, select: [id] } }, merge: MERGE }\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodConfigs")
    void aGoodConfigIsTakenByBoth(String name, String yaml) {
        assertThat(ConfigLoader.parse("good.yaml", yaml, Map.of("TOKEN", "t")::get).problems()).as("loader").isEmpty();
        assertThat(errors(yaml)).as("schema").isEmpty();
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("an unknown section", BASE + "servers: { listen: 8080 }\n"),
                Arguments.of("an unknown key in a route", BASE + "    retry: { nonIdempotent: true }\n"),
                Arguments.of("an unknown key deep down", BASE + "    policies: { cors: { origin: [\"*\"] } }\n"),
                Arguments.of("a mapping where a list goes", BASE.replace("[http://127.0.0.1:9001]", "{ url: http://127.0.0.1:9001 }")),
                Arguments.of("a list where a mapping goes", BASE + "server: [8080]\n"),
                Arguments.of("an integer out of range", BASE + "server: { limits: { maxHeaders: 0 } }\n"),
                Arguments.of("a weight out of range", BASE.replace("[http://127.0.0.1:9001]", "[{ url: http://127.0.0.1:9001, weight: 1001 }]")),
                Arguments.of("a status out of range", BASE + "    fallback: { status: 99 }\n"),
                Arguments.of("a ratio out of range", BASE + "observe: { accessLog: { sampleSuccess: 1.5 } }\n"),
                Arguments.of("a share out of range", BASE.replace("    nodes:", "    outlierDetection: { maxEjected: 150% }\n    nodes:")),
                Arguments.of("a bad duration", BASE.replace("    nodes:", "    timeouts: { connect: 1x }\n    nodes:")),
                Arguments.of("a zero duration where none is allowed", BASE.replace("    nodes:", "    timeouts: { connect: 0ms }\n    nodes:")),
                Arguments.of("a duration with a fraction", BASE + "    timeout: 1.5s\n"),
                Arguments.of("a size with a guessed unit", BASE + "server: { limits: { maxBodyBytes: 10mb } }\n"),
                Arguments.of("an unknown balancer", BASE.replace("    nodes:", "    loadBalancer: fastest\n    nodes:")),
                Arguments.of("an unknown credential kind", BASE + "    auth: [oauth]\n"),
                Arguments.of("an unknown method", BASE.replace("{ path: \"/users/{id}\" }", "{ path: \"/users/{id}\", methods: [FETCH] }")),
                Arguments.of("an unknown underscore policy", "server: { limits: { headersWithUnderscores: keep } }\n"),
                Arguments.of("an unknown rate-limit mode", "cluster: { redis: \"redis://127.0.0.1:6379\", rateLimitMode: eventual }\n"),
                Arguments.of("the none algorithm", "auth: { jwt: [ { issuer: x, jwks: \"https://x/jwks\", algorithms: [none] } ] }\n"),
                Arguments.of("a retry on a client error", BASE.replace("    nodes:", "    retries: { on: [418] }\n    nodes:")),
                Arguments.of("yes for true", BASE + "    forwardCredentials: yes\n"),
                Arguments.of("a bad rate", BASE + "    rateLimit: 10/fortnight\n"),
                Arguments.of("a route without an id", BASE.replace("  - id: users\n    match:", "  - match:")),
                Arguments.of("a plan price without a currency", "plans: { pro: { price: { perUnit: 0.1 } } }\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void aBadConfigIsRefusedByBoth(String name, String yaml) {
        assertThat(ConfigLoader.parse("good.yaml", BASE, n -> null).problems()).isEmpty();
        assertThat(errors(BASE)).isEmpty();
        assertThat(ConfigLoader.parse("bad.yaml", yaml, n -> null).problems()).as("loader").isNotEmpty();
        assertThat(errors(yaml)).as("schema").isNotEmpty();
    }

    private static List<Error> errors(String yaml) {
        return SCHEMA.validate(YamlJson.of(yaml).toString(), InputFormat.JSON);
    }

    private static List<Error> errors(JsonNode schema, String yaml) {
        return REGISTRY.getSchema(schema.toString(), InputFormat.JSON).validate(YamlJson.of(yaml).toString(), InputFormat.JSON);
    }

    private static boolean refused(String yaml) {
        try {
            return !errors(yaml).isEmpty();
        } catch (RuntimeException notYaml) {
            return true;
        }
    }

    /** The schema of the value at {@code path} ({@code services.<id>}, {@code routes[]}), its keys all optional. */
    private static JsonNode at(String path) throws Exception {
        JsonNode s = JSON.readTree(ConfigSchema.text());
        for (String step : path.replaceAll("<[^>]*>", "*").replace("[]", ".[]").split("\\.")) {
            if (step.isEmpty()) continue;
            s = step(s, step);
            assertThat(s).as("no " + step + " in the schema at " + path).isNotNull();
        }
        ObjectNode schema = ((ObjectNode) s.deepCopy()).put("$schema", ConfigSchema.DIALECT);
        schema.remove("required");
        schema.path("anyOf").forEach(shape -> ((ObjectNode) shape).remove("required"));
        return schema;
    }

    private static JsonNode step(JsonNode s, String step) {
        List<JsonNode> shapes = new ArrayList<>(List.of(s));
        s.path("anyOf").forEach(shapes::add);
        for (JsonNode shape : shapes) {
            JsonNode next = step.equals("[]") ? shape.get("items")
                    : step.equals("*") ? shape.get("additionalProperties") : shape.path("properties").get(step);
            if (next != null && next.isObject()) return next;
        }
        return null;
    }
}
