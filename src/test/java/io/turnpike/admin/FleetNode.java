package io.turnpike.admin;

import io.turnpike.cluster.Fleet;
import io.turnpike.config.ConfigSources;
import io.turnpike.observe.alert.AlertEngine;
import io.turnpike.observe.alert.Notifier;
import io.turnpike.observe.alert.Signals;
import io.turnpike.observe.analytics.Analytics;
import io.turnpike.server.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** One gateway of a fleet, in this process, started the way {@code run} starts one with {@code cluster.store}. */
final class FleetNode implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final ConfigSources sources;
    final Gateway gateway;
    final Fleet fleet;
    final AdminServer admin;
    final AlertEngine alerts;
    private final Analytics analytics;
    private final Notifier notifier;

    private FleetNode(ConfigSources sources, Gateway gateway, Fleet fleet, AdminServer admin, AlertEngine alerts,
                      Analytics analytics, Notifier notifier) {
        this.sources = sources;
        this.gateway = gateway;
        this.fleet = fleet;
        this.admin = admin;
        this.alerts = alerts;
        this.analytics = analytics;
        this.notifier = notifier;
    }

    /** Node {@code id}: service {@code svc} on {@code backendUrl}, route {@code /hello}, plus {@code extra} YAML. */
    static String config(Path dir, String id, String store, String backendUrl, String extra) {
        return """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: "127.0.0.1:0" }
                storage: { dataDir: "%s" }
                cluster: { id: %s, store: "%s" }
                services:
                  svc:
                    nodes: [ "%s" ]
                %s
                routes:
                  - id: hello
                    match: { path: /hello }
                    service: svc
                alerts:
                  channels: { log: { log: warn } }
                  rules:
                    - { name: svc-open, when: "circuitOpen(service=svc)" }
                """.formatted(dir.resolve(id).toString().replace("\\", "/"), id, store, backendUrl, extra);
    }

    static FleetNode start(Path dir, String id, String yaml) throws Exception {
        Path file = dir.resolve(id + ".yaml");
        Files.writeString(file, yaml);
        ConfigSources.Opened opened = ConfigSources.open(file, Files.readAllBytes(file), Map.<String, String>of()::get);
        if (!opened.ok()) throw new AssertionError("config refused: " + opened.problems());
        ConfigSources sources = opened.sources();
        Fleet fleet = Fleet.prepare(sources);
        Analytics analytics = new Analytics(System::currentTimeMillis, 100, 1 << 16, null).start();
        Gateway gateway = Gateway.start(sources.current(), analytics);
        sources.applyTo(gateway::apply);
        Notifier notifier = new Notifier();
        AlertEngine alerts = new AlertEngine(() -> sources.current().alerts(),
                new Signals(analytics, gateway::snapshot, null, () -> false), notifier, System::currentTimeMillis,
                () -> null).start();
        fleet.start(gateway, null, alerts);
        try {
            return new FleetNode(sources, gateway, fleet, AdminServer.start(sources, gateway, () -> "",
                    new Insights(analytics, alerts, null), null, fleet), alerts, analytics, notifier);
        } catch (Exception e) {
            fleet.close();
            gateway.close();
            alerts.close();
            notifier.close();
            analytics.close();
            throw e;
        }
    }

    /** @param ifMatch the If-Match header, or null */
    HttpResponse<String> admin(String method, String path, String body, String ifMatch) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (ifMatch != null) b.header("If-Match", ifMatch);
        if (body != null) b.header("Content-Type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        return admin(method, path, body, null);
    }

    HttpResponse<String> traffic(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Milliseconds until {@code path} answers {@code status} through this node's traffic port (fails after 5 s). */
    long millisUntil(String path, int status) throws Exception {
        long start = System.nanoTime();
        while (traffic(path).statusCode() != status) {
            if (System.nanoTime() - start > 5_000_000_000L) throw new AssertionError(path + " never answered " + status);
            Thread.sleep(5);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void close() {
        admin.close();
        fleet.close();
        gateway.close();
        alerts.close();
        notifier.close();
        analytics.close();
    }
}
