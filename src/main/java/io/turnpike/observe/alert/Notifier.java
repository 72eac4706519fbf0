package io.turnpike.observe.alert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnpike.config.AlertSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends notices to channels, off every event loop: webhooks asynchronously with the JDK's
 * HttpClient, retried with doubling backoff; log channels at once. A receiver that is down or slow
 * only costs a bounded number of pending deliveries here, never a gateway thread's time.
 */
public final class Notifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final Logger alertLog = LoggerFactory.getLogger("turnpike.alerts");
    static final int MAX_PENDING = 1000;
    private static final int DEDUPE_MEMORY = 4096;

    private final ExecutorService io;
    /** Made at the first webhook: building one loads the JDK's trust store, a noticeable part of a start. */
    private volatile HttpClient http;
    private final ScheduledExecutorService retries;
    private final AtomicInteger pending = new AtomicInteger();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final Map<String, Boolean> sent = new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
            return size() > DEDUPE_MEMORY;
        }
    };

    public Notifier() {
        this.io = Executors.newFixedThreadPool(2, r -> Thread.ofPlatform().name("turnpike-alert-http").daemon().unstarted(r));
        this.retries = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("turnpike-alert-retry").daemon().unstarted(r));
    }

    private HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                h = http;
                if (h == null) {
                    http = h = HttpClient.newBuilder().executor(io).connectTimeout(Duration.ofSeconds(5))
                            .followRedirects(HttpClient.Redirect.NEVER).build();
                }
            }
        }
        return h;
    }

    /** Sends {@code notice} to each channel once; a repeat of the same notice is ignored. */
    public void send(Notice notice, List<AlertSettings.Channel> channels, AlertSettings.Retry retry) {
        synchronized (sent) {
            if (sent.put(notice.id(), Boolean.TRUE) != null) return;
        }
        for (AlertSettings.Channel c : channels) {
            if (c.isLog()) {
                String line = notice.line(false);
                switch (c.logLevel()) {
                    case "error" -> alertLog.error(line);
                    case "info" -> alertLog.info(line);
                    default -> alertLog.warn(line);
                }
                delivered.increment();
                continue;
            }
            if (pending.incrementAndGet() > MAX_PENDING) {
                pending.decrementAndGet();
                dropped.increment();
                log.warn("alert {} to channel {} dropped: {} deliveries are already waiting", notice.rule(), c.name(), MAX_PENDING);
                continue;
            }
            ObjectNode body = c.format().equals("slack") ? notice.slack() : notice.json();
            attempt(c, body.toString(), notice, retry, 1);
        }
    }

    private void attempt(AlertSettings.Channel c, String body, Notice notice, AlertSettings.Retry retry, int n) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.webhook()))
                .timeout(retry.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "turnpike-alerts")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        c.headers().forEach(b::header);
        http().sendAsync(b.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
            if (err == null && res.statusCode() / 100 == 2) {
                pending.decrementAndGet();
                delivered.increment();
                return;
            }
            String why = err != null ? err.getClass().getSimpleName() : "HTTP " + res.statusCode();
            if (n >= retry.attempts()) {
                pending.decrementAndGet();
                failed.increment();
                log.warn("alert {} ({}) to channel {} not delivered after {} attempts: {}", notice.rule(), notice.state(),
                        c.name(), n, why);
                return;
            }
            long wait = backoff(retry, n);
            log.debug("alert {} to channel {} failed ({}); retrying in {} ms", notice.rule(), c.name(), why, wait);
            try {
                retries.schedule(() -> attempt(c, body, notice, retry, n + 1), wait, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                pending.decrementAndGet();
            }
        });
    }

    /** Doubles from the initial wait, capped: 1 s, 2 s, 4 s, ... up to {@code maxBackoff}. */
    static long backoff(AlertSettings.Retry retry, int attempt) {
        long initial = retry.initialBackoff().toMillis();
        long max = retry.maxBackoff().toMillis();
        long wait = initial << Math.min(attempt - 1, 30);
        return wait <= 0 || wait > max ? max : wait;
    }

    /** Notices delivered (a log channel counts as delivered at once). */
    public long delivered() {
        return delivered.sum();
    }

    /** Webhook deliveries given up after every attempt failed. */
    public long failed() {
        return failed.sum();
    }

    /** Webhook deliveries not even tried because too many were already waiting. */
    public long dropped() {
        return dropped.sum();
    }

    /** Webhook deliveries still being tried. */
    public int pending() {
        return pending.get();
    }

    @Override
    public void close() {
        retries.shutdownNow();
        io.shutdownNow();
    }
}
