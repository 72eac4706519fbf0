package io.turnpike.cli;

import io.turnpike.config.ConfigSources;
import io.turnpike.demo.SampleFleet;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code turnpike train}: the training run behind the launcher's AOT cache ({@code ./turnpike aot}).
 * Starts the demo's sample services and a gateway in front of them in this process, drives the paths
 * a production gateway spends its time on (keep-alive proxying, API-key and JWT auth, rate limits,
 * metering and quotas, aggregation, transforms, the access log, the admin API) for a few seconds,
 * and exits through the normal drain, so that what the JVM records at exit is what a real start
 * and a real load need.
 */
@Command(name = "train", hidden = true, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Drive sample load through a gateway in this process, then exit (for the AOT cache).")
final class TrainCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(TrainCommand.class);
    private static final String ISSUER = "https://training.turnpike.invalid";
    private static final String PARTNER_KEY = "training-partner-key-0123456789";
    private static final String JWT_SECRET = "training-secret-of-at-least-thirty-two-bytes";
    /** Distinct tokens, so both the signature check and the verification cache are exercised. */
    private static final int TOKENS = 256;

    @Option(names = "--seconds", defaultValue = "15", paramLabel = "N",
            description = "How long to drive load (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--clients", defaultValue = "16", paramLabel = "N",
            description = "Concurrent clients, each on keep-alive connections (default: ${DEFAULT-VALUE}).")
    int clients;

    @Override
    public Integer call() throws Exception {
        SampleFleet fleet = SampleFleet.start(2);
        Path dir = Files.createTempDirectory("turnpike-train-");
        int port = freePort();
        int adminPort = freePort();
        String yaml = config(port, adminPort, dir, fleet.ports());
        ConfigSources.Opened opened = ConfigSources.open("training", yaml, System::getenv);
        if (!opened.ok()) {
            opened.problems().forEach(p -> log.error("training config: {}", p));
            fleet.close();
            return 2;
        }
        CountDownLatch up = new CountDownLatch(1);
        Thread.ofPlatform().name("turnpike-train-server").start(() -> {
            try {
                // Last in the shutdown: the ledger, analytics and access log in dir are closed by then.
                int code = RunCommand.serve(opened.sources(), null, up::countDown, () -> {
                    fleet.close();
                    deleteTree(dir);
                });
                if (code != 0) System.exit(code);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        if (!up.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
            log.error("training: the gateway did not start within 60 s");
            return 1;
        }
        long served = drive("http://127.0.0.1:" + port, "http://127.0.0.1:" + adminPort);
        log.info("training: {} requests in {} s; exiting through the drain", served, seconds);
        // The drain, the ledger's last write and the JVM's exit-time cache dump run in the hooks.
        System.exit(0);
        return 0;
    }

    private long drive(String base, String admin) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<String> tokens = new ArrayList<>();
        long exp = System.currentTimeMillis() / 1000 + 3600;
        for (int i = 0; i < TOKENS; i++) tokens.add(hs256(exp, i));
        long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        Map<Integer, LongAdder> statuses = new ConcurrentSkipListMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().name("turnpike-train-client-" + c).start(() -> {
                for (long i = client; System.nanoTime() < until; i += clients) {
                    try {
                        int status = http.send(request(base, admin, i, tokens), HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                        statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
                    } catch (IOException e) {
                        log.debug("training request failed: {}", e.toString());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        log.info("training: answers by status {}", statuses);
        return statuses.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The mix: mostly plain proxying, then auth, aggregation and the rest in smaller shares. */
    private static HttpRequest request(String base, String admin, long i, List<String> tokens) {
        int user = (int) (i % 3) + 1; // the sample users 1-3
        return switch ((int) (i % 16)) {
            case 0, 1, 2, 3 -> get(base + "/api/users/" + user).build();
            case 4, 5 -> get(base + "/api/catalog/items").build();
            case 6 -> get(base + "/api/users/" + user).header("X-Client", "mobile").build();
            case 7 -> get(base + "/api/orders?user=" + user).build();
            case 8, 9 -> get(base + "/api/partner/orders/1001").header("X-API-Key", PARTNER_KEY).build();
            case 10, 11 -> get(base + "/api/jwt/orders/1001")
                    .header("Authorization", "Bearer " + tokens.get((int) (i / 16 % tokens.size()))).build();
            case 12 -> get(base + "/api/dashboard/" + user).build();
            case 13 -> HttpRequest.newBuilder(URI.create(base + "/api/users"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Training " + i + "\",\"segment\":\"free\"}"))
                    .build();
            case 14 -> get(i % 64 == 14 ? admin + "/metrics" : base + "/api/limited/" + user).build();
            default -> get(i % 3 == 0 ? base + "/api/nope" : base + "/api/partner/orders/1001").build(); // 404, 401
        };
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).GET();
    }

    private static String config(int port, int adminPort, Path dir, Map<String, List<Integer>> ports) {
        StringBuilder services = new StringBuilder();
        ports.forEach((id, nodes) -> {
            services.append("  ").append(id).append(":\n    nodes:\n");
            nodes.forEach(p -> services.append("      - http://127.0.0.1:").append(p).append('\n'));
        });
        return """
                server:
                  listen: 127.0.0.1:%d
                  drainTimeout: 2s
                admin:
                  listen: 127.0.0.1:%d
                storage:
                  dataDir: "%s"
                observe:
                  accessLog: { enabled: true, target: "%s" }
                auth:
                  jwt:
                    - { issuer: "%s", secret: "%s", algorithms: [HS256], audiences: [turnpike] }
                plans:
                  partner: { rateLimit: [100000/s], quota: 100000000/day, price: { perUnit: "0.01", currency: USD } }
                consumers:
                  - id: training-partner
                    groups: [partners]
                    plan: partner
                    credentials:
                      - apiKey: "%s"
                      - jwt: { issuer: "%s", subject: training-app }
                clients:
                  mobile: { when: { header: { x-client: mobile } } }
                services:
                %s
                routes:
                  - id: users-read
                    match: { path: "/api/users/{id}", methods: [GET] }
                    service: users
                    transform:
                      mobile: { response: { keep: [id, name] } }
                    rewrite: { path: "/users/{id}" }
                  - id: users
                    match: { path: "/api/users", methods: [GET, POST] }
                    service: users
                    rewrite: { path: "/users" }
                  - id: orders-by-user
                    match: { path: "/api/orders", methods: [GET] }
                    service: orders
                    rewrite: { stripPrefix: /api }
                  - id: catalog
                    match: { path: "/api/catalog/**", methods: [GET] }
                    service: catalog
                    rewrite: { stripPrefix: /api/catalog }
                  - id: partner-orders
                    match: { path: "/api/partner/orders/**", methods: [GET] }
                    service: orders
                    rewrite: { stripPrefix: /api/partner }
                    auth: [apiKey]
                    acl: { allow: [partners] }
                  - id: jwt-orders
                    match: { path: "/api/jwt/orders/**", methods: [GET] }
                    service: orders
                    rewrite: { stripPrefix: /api/jwt }
                    auth: [jwt]
                    acl: { allow: [partners], scopes: [orders:read] }
                  - id: limited
                    match: { path: "/api/limited/{id}", methods: [GET] }
                    service: users
                    rewrite: { path: "/users/{id}" }
                    rateLimit: 200/s
                  - id: dashboard
                    match: { path: "/api/dashboard/{userId}", methods: [GET] }
                    aggregate:
                      calls:
                        profile: { service: users, path: "/users/{userId}" }
                        orders: { service: orders, path: "/orders?user={userId}", timeout: 800ms, optional: true, select: /orders }
                        recs: { service: catalog, path: "/recommendations/{profile.segment}", optional: true, select: /items }
                      merge: group
                      timeout: 2s
                """.formatted(port, adminPort, dir, dir.resolve("access.log"), ISSUER, JWT_SECRET, PARTNER_KEY, ISSUER,
                services.toString().stripTrailing());
    }

    private static String hs256(long exp, int n) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String head = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"iss\":\"" + ISSUER + "\",\"sub\":\"training-app\",\"aud\":\"turnpike\","
                + "\"exp\":" + exp + ",\"jti\":\"t" + n + "\",\"scope\":\"orders:read\"}").getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(JWT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((head + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return head + "." + claims + "." + b64.encodeToString(sig);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
