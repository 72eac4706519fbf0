package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.turnpike.config.ConfigLoader;
import io.turnpike.config.ConfigSchema;
import io.turnpike.config.ConfigSources;
import io.turnpike.config.ConfigSources.Section;
import io.turnpike.config.NodeSpec;
import io.turnpike.config.ServiceSpec;
import io.turnpike.metering.Metering;
import io.turnpike.server.Serving;
import io.turnpike.server.Gateway;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The admin API's endpoints: which path and method does what. Transport-free (the
 * {@link AdminHandler} turns requests into calls here), so every answer is built in one place.
 * Runs on the admin listener's single thread, so admin requests are handled one at a time.
 */
final class AdminApi {
    static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * One request as the API needs it.
     *
     * @param host        the Host header; null when missing or sent more than once
     * @param origin      the Origin header (several joined by ", "); null when absent
     * @param contentType the Content-Type header, or null
     * @param ifMatch     the If-Match header (several joined by ", "), or null
     */
    record Request(HttpMethod method, String uri, String authorization, String body, String accept, String host,
                   String origin, String contentType, String ifMatch) {}

    private final ConfigSources sources;
    private final Gateway gateway;
    private final Supplier<String> metrics;
    private final BearerToken token;
    private final String openApi;
    private final java.util.concurrent.CompletableFuture<String> schema;
    private final CircuitApi circuits;
    private final RegistrationApi registrations;
    private final InsightsApi insights;
    private final Dashboard dashboard = new Dashboard();
    private final UsageApi usage;
    private final CertificatesApi certificates;
    private final io.turnpike.cluster.Fleet fleet; // null: one node
    private final EntityWrites writes;
    private final ClusterApi cluster;

    AdminApi(ConfigSources sources, Gateway gateway, Supplier<String> metrics, BearerToken token) {
        this(sources, gateway, metrics, token, Insights.NONE, null, null);
    }

    /** @param metering answers /admin/usage and /admin/invoices; null when the gateway meters nothing */
    AdminApi(ConfigSources sources, Gateway gateway, Supplier<String> metrics, BearerToken token, Insights insights,
             Metering metering) {
        this(sources, gateway, metrics, token, insights, metering, null);
    }

    /** @param fleet the fleet whose store admin changes go through; null on one node */
    AdminApi(ConfigSources sources, Gateway gateway, Supplier<String> metrics, BearerToken token, Insights insights,
             Metering metering, io.turnpike.cluster.Fleet fleet) {
        this.fleet = fleet;
        this.writes = new EntityWrites(sources, fleet);
        this.cluster = new ClusterApi(fleet);
        this.sources = sources;
        this.gateway = gateway;
        this.metrics = metrics;
        this.token = token;
        this.openApi = resource("openapi.json");
        // Made by running the binders a few hundred times: once, ahead, off the admin thread.
        this.schema = java.util.concurrent.CompletableFuture.supplyAsync(ConfigSchema::text);
        this.circuits = new CircuitApi(gateway, fleet);
        this.registrations = new RegistrationApi(gateway, fleet);
        this.insights = new InsightsApi(insights).shared(fleet);
        this.usage = new UsageApi(metering);
        this.certificates = new CertificatesApi(gateway);
    }

    AdminReply handle(Request r) {
        QueryStringDecoder uri = new QueryStringDecoder(r.uri());
        String path = uri.path();
        switch (path) {
            case "/health" -> { return on(r, Map.of(HttpMethod.GET, () -> AdminReply.ok(AdminReply.JSON.createObjectNode().put("status", "up")))); }
            case "/ready" -> { return on(r, Map.of(HttpMethod.GET, this::ready)); }
            default -> { }
        }
        // Health and readiness stay open to any Host (load balancers probe with their own); all else
        // without a token is for local callers only, not for pages in the operator's browser.
        if (token.open()) {
            AdminReply refused = CrossSiteGuard.check(r);
            if (refused != null) return refused;
        }
        if (path.equals("/metrics")) return on(r, Map.of(HttpMethod.GET, () -> AdminReply.text(METRICS_TYPE, metrics.get())));
        if (Dashboard.serves(path)) return on(r, Map.of(HttpMethod.GET, () -> dashboard.file(path)));
        if (!path.equals("/admin") && !path.startsWith("/admin/")) return notFound(path);
        // Authenticate before telling which paths exist.
        if (!token.admits(r.authorization())) {
            return AdminReply.problem(HttpResponseStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
                    "the admin API needs Authorization: Bearer <token> with the token of admin.token")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"turnpike-admin\"");
        }
        List<String> seg = segments(path.substring("/admin".length()));
        String first = seg.isEmpty() ? "" : seg.get(0);
        int n = seg.size();
        if (n == 1 && first.equals("config")) return on(r, Map.of(HttpMethod.GET, () -> config(uri)));
        if (n == 2 && first.equals("config") && seg.get(1).equals("validate")) {
            return on(r, Map.of(HttpMethod.POST, () -> validate(r.body())));
        }
        if (n == 1 && first.equals("cluster")) return on(r, Map.of(HttpMethod.GET, cluster::get));
        if (n == 1 && first.equals("openapi.json")) {
            return on(r, Map.of(HttpMethod.GET, () -> AdminReply.text("application/json", openApi)));
        }
        if (n == 1 && first.equals("schema")) {
            return on(r, Map.of(HttpMethod.GET, () -> AdminReply.text("application/schema+json", schema.join())));
        }
        Section section = first.equals("routes") ? Section.ROUTES : first.equals("services") ? Section.SERVICES
                : first.equals("consumers") ? Section.CONSUMERS : first.equals("plans") ? Section.PLANS : null;
        if (section != null && n == 1) {
            return on(r, Map.of(HttpMethod.GET, () -> AdminReply.ok(Redaction.redact(sources.entries(section)))));
        }
        if (section != null && n == 2) {
            String id = seg.get(1);
            return on(r, Map.of(
                    HttpMethod.GET, () -> writes.get(section, id),
                    HttpMethod.PUT, () -> writes.put(section, id, r.method() + " " + path, r.body(), r.ifMatch()),
                    HttpMethod.DELETE, () -> writes.delete(section, id, r.ifMatch())));
        }
        if (section == Section.SERVICES && n == 3 && seg.get(2).equals("nodes")) {
            return on(r, Map.of(HttpMethod.GET, () -> nodes(seg.get(1))));
        }
        if (section == Section.SERVICES && n == 3 && seg.get(2).equals("registrations")) {
            return on(r, Map.of(HttpMethod.GET, () -> registrations.list(seg.get(1)),
                    HttpMethod.POST, () -> registrations.register(seg.get(1), r.body())));
        }
        if (section == Section.SERVICES && n == 4 && seg.get(2).equals("registrations")) {
            return on(r, Map.of(HttpMethod.DELETE, () -> registrations.deregister(seg.get(1), seg.get(3))));
        }
        if (section == Section.SERVICES && n == 3 && seg.get(2).equals("circuit")) {
            return on(r, Map.of(HttpMethod.GET, () -> circuits.get(seg.get(1), null),
                    HttpMethod.PUT, () -> circuits.put(seg.get(1), null, r.body())));
        }
        if (section == Section.SERVICES && n == 5 && seg.get(2).equals("nodes") && seg.get(4).equals("circuit")) {
            return on(r, Map.of(HttpMethod.GET, () -> circuits.get(seg.get(1), seg.get(3)),
                    HttpMethod.PUT, () -> circuits.put(seg.get(1), seg.get(3), r.body())));
        }
        if (first.equals("analytics") && n == 1) return on(r, Map.of(HttpMethod.GET, () -> insights.analytics(uri)));
        if (first.equals("analytics") && n == 2 && seg.get(1).equals("consumers")) {
            return on(r, Map.of(HttpMethod.GET, () -> insights.consumers(uri)));
        }
        if (first.equals("alerts") && n == 1) return on(r, Map.of(HttpMethod.GET, insights::alerts));
        if (first.equals("alerts") && n == 3 && seg.get(2).equals("silence")) {
            return on(r, Map.of(HttpMethod.POST, () -> insights.silence(seg.get(1), r.body())));
        }
        if (n == 1 && first.equals("certificates")) return on(r, Map.of(HttpMethod.GET, certificates::list));
        if (n == 1 && first.equals("usage")) return on(r, Map.of(HttpMethod.GET, () -> usage.usage(uri)));
        if (n == 2 && first.equals("invoices")) {
            return on(r, Map.of(HttpMethod.GET, () -> usage.invoice(seg.get(1), uri, r.accept())));
        }
        return notFound(path);
    }

    /** Runs the handler for the request's method, or answers 405 with the methods there are. */
    private static AdminReply on(Request r, Map<HttpMethod, Supplier<AdminReply>> handlers) {
        Supplier<AdminReply> h = handlers.get(r.method());
        if (h != null) return h.get();
        String allow = handlers.keySet().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
        return AdminReply.problem(HttpResponseStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed",
                r.method() + " is not allowed here (expected: " + allow + ")").withHeader("Allow", allow);
    }

    private static AdminReply notFound(String path) {
        return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found",
                "no admin endpoint " + path + " (GET /admin/openapi.json lists them)");
    }

    private AdminReply ready() {
        boolean config = sources.current() != null;
        boolean listening = gateway.listening();
        io.turnpike.ratelimit.RateLimiting.Status limits = gateway.snapshot().rateLimiting().status();
        io.turnpike.metering.Quotas.Status quotas = gateway.snapshot().quotas() == null ? null
                : gateway.snapshot().quotas().status();
        boolean warm = gateway.warm();
        boolean ready = config && listening && warm && limits.ready() && (quotas == null || quotas.ready());
        ObjectNode body = AdminReply.JSON.createObjectNode();
        body.put("status", ready ? "ready" : "not ready");
        ObjectNode checks = body.putObject("checks");
        checks.put("config", config ? "loaded" : "missing");
        checks.put("trafficListener", listening ? "bound" : "not bound");
        checks.put("rateLimits", limits.detail());
        if (quotas != null) checks.put("quotas", quotas.detail());
        String warmup = gateway.warmupDetail();
        if (warmup != null) checks.put("warmup", warmup);
        // A store that is down does not make a node unready: it keeps serving its last applied version.
        if (fleet != null) {
            checks.put("configVersion", fleet.appliedVersion());
            checks.put("store", fleet.storeState().name().toLowerCase(Locale.ROOT));
        }
        return AdminReply.json(ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body);
    }

    private AdminReply config(QueryStringDecoder uri) {
        String source = uri.parameters().getOrDefault("source", List.of("effective")).get(0);
        ConfigSources.View view;
        try {
            view = ConfigSources.View.valueOf(source.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-parameter", "Bad parameter",
                    "source=" + source + " (expected: file, overlay or effective)");
        }
        return AdminReply.ok(Redaction.redact(sources.document(view)));
    }

    private AdminReply validate(String body) {
        ConfigLoader.Result r = sources.validate("POST /admin/config/validate", body);
        if (!r.ok()) return AdminReply.invalid("the config has " + count(r.problems().size()), r.problems());
        return AdminReply.ok(AdminReply.JSON.createObjectNode().put("ok", true).put("summary", r.config().summary()));
    }

    static AdminReply change(ConfigSources.Change c, Section section, String id) {
        return switch (c.status()) {
            case OK -> c.entry() == null ? AdminReply.noContent() : AdminReply.ok(Redaction.redact(c.entry()));
            case NOT_FOUND -> missing(section, id);
            case INVALID -> AdminReply.invalid("the change was not applied: the config would have "
                    + count(c.problems().size()), c.problems());
        };
    }

    static AdminReply missing(Section section, String id) {
        return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found",
                "no " + noun(section) + " \"" + id + "\" in the running config");
    }

    static String noun(Section section) {
        return switch (section) {
            case ROUTES -> "route";
            case CONSUMERS -> "consumer";
            case PLANS -> "plan";
            case SERVICES -> "service";
        };
    }

    private AdminReply nodes(String id) {
        Serving snapshot = gateway.snapshot();
        Service service = snapshot.services().get(id);
        ServiceSpec spec = snapshot.config().services().get(id);
        if (service == null || spec == null) return missing(Section.SERVICES, id);
        Map<String, String> urls = new LinkedHashMap<>();
        for (NodeSpec ns : spec.nodes()) urls.put(ns.key(), ns.url());
        ArrayNode out = AdminReply.JSON.createArrayNode();
        long now = io.netty.util.concurrent.Ticker.systemTicker().nanoTime();
        for (Node node : service.nodes()) {
            var stats = node.stats();
            ObjectNode row = out.addObject();
            row
                    .put("url", UrlPasswords.mask(urls.getOrDefault(node.key(), "http://" + node.key())))
                    .put("weight", node.weight())
                    .put("inFlight", node.inFlight())
                    .put("requests", node.requests())
                    .put("failures", node.failures())
                    .put("ewmaFirstByteMs", millis(stats.ewmaFirstByteNanos()))
                    .put("ewmaTotalMs", millis(stats.ewmaTotalNanos()));
            double rate = stats.successRate(now);
            if (Double.isNaN(rate)) row.putNull("successRate"); else row.put("successRate", Math.round(rate * 1e4) / 1e4);
            CircuitApi.health(row, node.health(), now);
        }
        return AdminReply.ok(out);
    }

    /** Nanoseconds as milliseconds with three decimals (0 = not measured yet). */
    private static double millis(double nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }

    private static String count(int problems) {
        return problems + " problem" + (problems == 1 ? "" : "s");
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) out.add(QueryStringDecoder.decodeComponent(s));
        }
        return out;
    }

    private static String resource(String name) {
        try (InputStream in = AdminApi.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}
