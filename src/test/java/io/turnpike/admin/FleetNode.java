package io.turnpike.admin;

import io.turnpike.cluster.Fleet;
import io.turnpike.config.ConfigSources;
import io.turnpike.core.ExchangeObserver;
import io.turnpike.server.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** One gateway of a fleet, in this process, started the way {@code run} starts one with {@code cluster.store}. */
final class FleetNode implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final AtomicInteger DATABASES = new AtomicInteger();

    final ConfigSources sources;
    final Gateway gateway;
    final Fleet fleet;
    final AdminServer admin;

    private FleetNode(ConfigSources sources, Gateway gateway, Fleet fleet, AdminServer admin) {
        this.sources = sources;
        this.gateway = gateway;
        this.fleet = fleet;
        this.admin = admin;
    }

    /** A fresh database on the server at {@code serverUrl} (a postgresql:// URL), so tests share nothing. */
    static String database(String serverUrl) throws Exception {
        String name = "fleet_" + DATABASES.incrementAndGet();
        URI u = URI.create(serverUrl);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + u.getPort() + "/postgres",
                "turnpike", ""); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return "postgresql://turnpike@" + u.getHost() + ":" + u.getPort() + "/" + name;
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
                """.formatted(dir.resolve(id).toString().replace("\\", "/"), id, store, backendUrl, extra);
    }

    static FleetNode start(Path dir, String id, String yaml) throws Exception {
        Path file = dir.resolve(id + ".yaml");
        Files.writeString(file, yaml);
        ConfigSources.Opened opened = ConfigSources.open(file, Files.readAllBytes(file), Map.<String, String>of()::get);
        if (!opened.ok()) throw new AssertionError("config refused: " + opened.problems());
        ConfigSources sources = opened.sources();
        Fleet fleet = Fleet.prepare(sources);
        Gateway gateway = Gateway.start(sources.current(), ExchangeObserver.NONE);
        sources.applyTo(gateway::apply);
        fleet.start(gateway, null);
        try {
            return new FleetNode(sources, gateway, fleet, AdminServer.start(sources, gateway, () -> "", Insights.NONE,
                    null, fleet));
        } catch (Exception e) {
            fleet.close();
            gateway.close();
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
    }
}
