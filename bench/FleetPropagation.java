import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Measures how long an admin change made on one gateway takes to be served by the others: for
 * each change, PUT a new route on the first node's admin API, then poll the route's path on every
 * other node until it answers 200. Prints one line per node with p50, p99 and max of the delay
 * counted from the moment the PUT answered (the change is committed then), and the PUT's own time.
 * The JDK alone; bench/fleet.sh runs it.
 *
 *   java bench/FleetPropagation.java CHANGES TOKEN ADMIN_URL PROXY_URL... (first proxy = the writer's own)
 */
public class FleetPropagation {
    public static void main(String[] args) throws Exception {
        int changes = Integer.parseInt(args[0]);
        String token = args[1];
        String admin = args[2];
        List<String> proxies = Arrays.asList(args).subList(3, args.length);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String tag = Long.toString(System.currentTimeMillis() % 100_000, 36);
        long[] put = new long[changes];
        long[][] seen = new long[proxies.size()][changes];
        for (int i = 0; i < changes; i++) {
            String id = "prop-" + tag + "-" + i;
            String body = "{\"match\": {\"path\": \"/" + id + "\"}, \"service\": \"backend\"}";
            long start = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/routes/" + id))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            long committed = System.nanoTime();
            if (r.statusCode() != 200) throw new IllegalStateException("PUT " + id + ": " + r.statusCode() + " " + r.body());
            put[i] = committed - start;
            List<CompletableFuture<Long>> waits = new ArrayList<>();
            for (String proxy : proxies) {
                waits.add(CompletableFuture.supplyAsync(() -> until200(http, proxy + "/" + id, committed)));
            }
            for (int p = 0; p < proxies.size(); p++) seen[p][i] = waits.get(p).join();
        }
        System.out.printf("PUT on the first node (write + apply there): %s%n", summary(put));
        for (int p = 0; p < proxies.size(); p++) {
            System.out.printf("served by %s after the PUT answered: %s%n", proxies.get(p), summary(seen[p]));
        }
    }

    /** Nanoseconds from {@code since} until {@code url} answers 200; gives up after 30 s. */
    private static long until200(HttpClient http, String url, long since) {
        HttpRequest get = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() - since < 30_000_000_000L) {
            try {
                if (http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return System.nanoTime() - since;
                }
                Thread.sleep(2);
            } catch (Exception e) {
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            }
        }
        throw new IllegalStateException(url + " never answered 200 within 30 s");
    }

    private static String summary(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d changes)",
                s[s.length / 2] / 1e6, s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)] / 1e6,
                s[s.length - 1] / 1e6, s.length);
    }
}
