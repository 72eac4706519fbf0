package io.turnpike.admin;

import io.turnpike.config.ConfigSources;
import io.turnpike.observe.alert.AlertEngine;
import io.turnpike.observe.alert.Notifier;
import io.turnpike.observe.alert.Signals;
import io.turnpike.observe.analytics.Analytics;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.metering.Metering;
import io.turnpike.server.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A gateway and its admin listener started the way {@code run} starts them, from a file in {@code dir}. */
final class AdminFixture implements AutoCloseable {
    static final String TOKEN = "t0ken-Zq8-never-logged";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final Path file;
    final ConfigSources sources;
    final Gateway gateway;
    final AdminServer admin;
    final Analytics analytics;
    final AlertEngine alerts;
    private final Notifier notifier;
    final Metering metering;

    private AdminFixture(Path file, ConfigSources sources, Gateway gateway, AdminServer admin, Analytics analytics,
                         AlertEngine alerts, Notifier notifier, Metering metering) {
        this.metering = metering;
        this.file = file;
        this.sources = sources;
        this.gateway = gateway;
        this.admin = admin;
        this.analytics = analytics;
        this.alerts = alerts;
        this.notifier = notifier;
    }

    /** A file with service {@code svc} on {@code backendUrl}, route {@code hello} and an admin token. */
    static String config(Path dir, String backendUrl, String extraRoutes) {
        return """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: "127.0.0.1:0", token: "${ADMIN_TOKEN}" }
                storage: { dataDir: "%s" }
                services:
                  svc:
                    nodes: [ "%s" ]
                routes:
                  - id: hello
                    match: { path: /hello }
                    service: svc
                %s""".formatted(dir.resolve("data").toString().replace("\\", "/"), backendUrl, extraRoutes);
    }

    /** {@link #config} without {@code admin.token}: the admin listener open to local callers. */
    static String tokenless(String config) {
        return config.replace(", token: \"${ADMIN_TOKEN}\"", "");
    }

    static AdminFixture start(Path dir, String yaml) throws Exception {
        return start(dir, yaml, Map.of("ADMIN_TOKEN", TOKEN));
    }

    /** @param env the environment the file's {@code ${NAME}} placeholders are read from */
    static AdminFixture start(Path dir, String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("turnpike.yaml");
        Files.writeString(file, yaml);
        ConfigSources.Opened opened = ConfigSources.open(file, Files.readAllBytes(file), env::get);
        if (!opened.ok()) throw new AssertionError("config refused: " + opened.problems());
        ConfigSources sources = opened.sources();
        Analytics analytics = new Analytics(System::currentTimeMillis, 100, 1 << 16, null).start();
        Metering metering = Metering.open(sources.current());
        Gateway gateway = Gateway.start(sources.current(), ExchangeObserver.both(analytics, metering.observer()),
                metering.quotas());
        sources.applyTo(gateway::apply);
        Notifier notifier = new Notifier();
        AlertEngine alerts = new AlertEngine(() -> sources.current().alerts(),
                new Signals(analytics, gateway::snapshot, metering.usageSource(), () -> false), notifier,
                System::currentTimeMillis, () -> null).start();
        try {
            return new AdminFixture(file, sources, gateway, AdminServer.start(sources, gateway, () -> "up 1\n",
                    new Insights(analytics, alerts, metering.usageSource()), metering), analytics, alerts, notifier,
                    metering);
        } catch (Exception e) {
            gateway.close();
            analytics.close();
            notifier.close();
            metering.close();
            throw e;
        }
    }

    HttpResponse<String> admin(String method, String path, String body, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        return admin(method, path, body, TOKEN);
    }

    /** A GET through the gateway's traffic port. */
    HttpResponse<String> traffic(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        admin.close();
        gateway.close();
        alerts.close();
        notifier.close();
        analytics.close();
        metering.close();
    }
}
