package io.turnpike.observe.alert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnpike.config.AlertSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the alert rules on one thread of its own and keeps each alert's state:
 * pending (the condition holds, not yet for {@code for:}), firing, and back to nothing once it has
 * been false for {@code resolveAfter:}. Only firing and resolved are sent, each exactly once per
 * alert; a condition that flaps while firing only restarts the resolve timer, and one that flaps
 * while pending never reaches firing, so flapping input cannot cause a storm.
 *
 * <p>A rule with a {@code *} selector is one alert per key. Silencing a rule keeps its state
 * visible but sends nothing until the silence ends; changes that happen meanwhile are not sent
 * later. The time is injected, so tests move it by hand.
 */
public final class AlertEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertEngine.class);
    static final int HISTORY = 200;

    private final Supplier<AlertSettings> settings;
    private final Signals signals;
    private final Notifier notifier;
    private final LongSupplier clock;
    private final Supplier<String> dashboard;
    private final Map<String, Alert> alerts = new LinkedHashMap<>();
    private final Map<String, Long> silences = new HashMap<>();
    private java.nio.file.Path silencesFile; // where silences outlive a restart; null = memory only
    private final Deque<ObjectNode> history = new ArrayDeque<>();
    private ScheduledExecutorService timer;

    enum State { PENDING, FIRING }

    /** One alert: a rule, or one key of a {@code *} rule. */
    private static final class Alert {
        final String rule;
        final Map<String, String> labels;
        State state = State.PENDING;
        long pendingSince;
        long firingSince;
        long clearSince = -1;
        double value;

        Alert(String rule, Map<String, String> labels) {
            this.rule = rule;
            this.labels = labels;
        }
    }

    /**
     * @param settings  the running config's alerts (read at each evaluation, so reloads apply)
     * @param clock     epoch milliseconds
     * @param dashboard the dashboard's address for links in notices
     */
    public AlertEngine(Supplier<AlertSettings> settings, Signals signals, Notifier notifier, LongSupplier clock,
                       Supplier<String> dashboard) {
        this.settings = settings;
        this.signals = signals;
        this.notifier = notifier;
        this.clock = clock;
        this.dashboard = dashboard;
    }

    /**
     * Keeps silences in {@code file} (JSON: rule to the silence's end, epoch ms), so a restart does
     * not lift them; the ones still running are read back now. A file that cannot be read is logged
     * and left alone.
     */
    public synchronized AlertEngine silencesIn(java.nio.file.Path file) {
        this.silencesFile = file;
        if (java.nio.file.Files.exists(file)) {
            try {
                com.fasterxml.jackson.databind.JsonNode saved = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
                long now = clock.getAsLong();
                saved.fields().forEachRemaining(e -> {
                    if (e.getValue().canConvertToLong() && e.getValue().asLong() > now) silences.put(e.getKey(), e.getValue().asLong());
                });
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("alert silences not restored from {}: {}", file, e.toString());
            }
        }
        return this;
    }

    /** Writes the silences (admin thread, never an event loop): a temporary file moved into place. */
    private void saveSilences() {
        if (silencesFile == null) return;
        try {
            ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            silences.forEach(o::put);
            java.nio.file.Files.createDirectories(silencesFile.toAbsolutePath().getParent());
            // createTempFile makes the file 0600 on POSIX systems, like the other files in dataDir
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile(silencesFile.toAbsolutePath().getParent(),
                    silencesFile.getFileName().toString(), ".tmp");
            try {
                java.nio.file.Files.writeString(tmp, o.toString());
                java.nio.file.Files.move(tmp, silencesFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        } catch (java.io.IOException e) {
            log.warn("alert silences not saved to {}: {}", silencesFile, e.toString());
        }
    }

    /** Evaluates every {@code alerts.evaluateEvery} on a thread of its own. */
    public AlertEngine start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("turnpike-alerts").daemon().unstarted(r));
        schedule();
        return this;
    }

    private void schedule() {
        long every = Math.max(100, settings.get().evaluateEvery().toMillis());
        try {
            timer.schedule(() -> {
                try {
                    evaluate();
                } catch (RuntimeException e) {
                    log.error("alert evaluation failed: {}", e.toString(), e);
                }
                schedule();
            }, every, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed
        }
    }

    /** Evaluates every rule once, now. */
    public synchronized void evaluate() {
        AlertSettings s = settings.get();
        long now = clock.getAsLong();
        Set<String> seen = new HashSet<>();
        Set<String> rules = new HashSet<>();
        for (AlertSettings.Rule rule : s.rules()) {
            rules.add(rule.name());
            for (Signals.Sample sample : signals.sample(rule.when())) {
                String id = rule.name() + "|" + new TreeMap<>(sample.labels());
                seen.add(id);
                step(s, rule, id, sample.labels(), sample.value(), sample.breached(), now);
            }
        }
        // Alerts whose key vanished read as "condition false"; alerts of removed rules are dropped.
        for (Iterator<Map.Entry<String, Alert>> it = alerts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Alert> e = it.next();
            Alert a = e.getValue();
            if (!rules.contains(a.rule)) {
                log.info("alert {} {} dropped: its rule is no longer in the config", a.rule, a.labels);
                it.remove();
            }
        }
        for (AlertSettings.Rule rule : s.rules()) {
            for (Map.Entry<String, Alert> e : new ArrayList<>(alerts.entrySet())) {
                if (e.getValue().rule.equals(rule.name()) && !seen.contains(e.getKey())) {
                    step(s, rule, e.getKey(), e.getValue().labels, e.getValue().value, false, now);
                }
            }
        }
        silences.values().removeIf(until -> until <= now);
    }

    private void step(AlertSettings s, AlertSettings.Rule rule, String id, Map<String, String> labels, double value,
                      boolean breached, long now) {
        Alert a = alerts.get(id);
        if (a == null) {
            if (!breached) return;
            a = new Alert(rule.name(), labels);
            a.pendingSince = now;
            alerts.put(id, a);
        }
        a.value = value;
        if (a.state == State.PENDING) {
            if (!breached) {
                alerts.remove(id); // never fired: nothing was sent, nothing to take back
                return;
            }
            if (now - a.pendingSince >= rule.forDuration().toMillis()) {
                a.state = State.FIRING;
                a.firingSince = now;
                notify(s, rule, a, "firing", now);
            }
            return;
        }
        if (breached) {
            a.clearSince = -1;
            return;
        }
        if (a.clearSince < 0) a.clearSince = now;
        if (now - a.clearSince >= rule.resolveAfter().toMillis()) {
            alerts.remove(id);
            notify(s, rule, a, "resolved", now);
        }
    }

    private void notify(AlertSettings s, AlertSettings.Rule rule, Alert a, String state, long now) {
        Map<String, String> labels = new LinkedHashMap<>(rule.labels());
        labels.putAll(a.labels);
        Notice n = new Notice(rule.name(), state, a.value, rule.when().valueText(a.value), rule.when().thresholdText(),
                rule.when().text(), labels, Instant.ofEpochMilli(a.firingSince),
                state.equals("resolved") ? Instant.ofEpochMilli(now) : null, dashboard.get());
        boolean silenced = silences.getOrDefault(rule.name(), Long.MIN_VALUE) > now;
        ObjectNode h = n.json();
        h.put("at", Instant.ofEpochMilli(now).toString());
        h.put("silenced", silenced);
        history.addFirst(h);
        while (history.size() > HISTORY) history.removeLast();
        log.info("alert {}{}", n.line(false), silenced ? " (silenced: not sent)" : "");
        if (silenced) return;
        List<AlertSettings.Channel> channels = new ArrayList<>();
        if (rule.channels().isEmpty()) {
            channels.addAll(s.channels().values());
        } else {
            rule.channels().forEach(c -> channels.add(s.channels().get(c)));
        }
        notifier.send(n, channels, s.retry());
    }

    /**
     * Silences a rule (every alert of it) for {@code d}; zero lifts a silence.
     *
     * @return the end of the silence, or null when there is no such rule
     */
    public synchronized Instant silence(String rule, Duration d) {
        if (settings.get().rules().stream().noneMatch(r -> r.name().equals(rule))) return null;
        long until = clock.getAsLong() + d.toMillis();
        if (d.isZero()) silences.remove(rule); else silences.put(rule, until);
        saveSilences();
        log.info("alert rule {} {}", rule, d.isZero() ? "unsilenced" : "silenced until " + Instant.ofEpochMilli(until));
        return Instant.ofEpochMilli(until);
    }

    /** Whether the running config has a rule by this name. */
    public boolean hasRule(String rule) {
        return settings.get().rules().stream().anyMatch(r -> r.name().equals(rule));
    }

    /**
     * Silences a rule until {@code until}, as a fleet's shared silence says; an instant already
     * past lifts it. False when there is no such rule here.
     */
    public synchronized boolean silenceUntil(String rule, Instant until) {
        if (settings.get().rules().stream().noneMatch(r -> r.name().equals(rule))) return false;
        if (until.toEpochMilli() <= clock.getAsLong()) silences.remove(rule); else silences.put(rule, until.toEpochMilli());
        saveSilences();
        return true;
    }

    /** What {@code GET /admin/alerts} answers: firing and pending alerts, recent changes, silences, rules. */
    public synchronized ObjectNode view() {
        long now = clock.getAsLong();
        AlertSettings s = settings.get();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode firing = o.putArray("firing");
        ArrayNode pending = o.putArray("pending");
        Map<String, AlertSettings.Rule> byName = new HashMap<>();
        s.rules().forEach(r -> byName.put(r.name(), r));
        for (Alert a : alerts.values()) {
            AlertSettings.Rule rule = byName.get(a.rule);
            if (rule == null) continue;
            ObjectNode row = (a.state == State.FIRING ? firing : pending).addObject();
            row.put("rule", a.rule);
            row.put("expression", rule.when().text());
            row.put("value", Double.isNaN(a.value) ? null : a.value);
            row.put("valueText", rule.when().valueText(a.value));
            row.put("threshold", rule.when().thresholdText());
            ObjectNode labels = row.putObject("labels");
            rule.labels().forEach(labels::put);
            a.labels.forEach(labels::put);
            row.put("since", Instant.ofEpochMilli(a.state == State.FIRING ? a.firingSince : a.pendingSince).toString());
            if (a.state == State.PENDING) {
                row.put("firesAt", Instant.ofEpochMilli(a.pendingSince + rule.forDuration().toMillis()).toString());
            }
            Long until = silences.get(a.rule);
            row.put("silenced", until != null && until > now);
        }
        ArrayNode recent = o.putArray("recent");
        history.forEach(recent::add);
        ObjectNode silenced = o.putObject("silences");
        silences.forEach((rule, until) -> {
            if (until > now) silenced.put(rule, Instant.ofEpochMilli(until).toString());
        });
        ArrayNode rules = o.putArray("rules");
        for (AlertSettings.Rule r : s.rules()) {
            ObjectNode row = rules.addObject();
            row.put("name", r.name()).put("when", r.when().text()).put("for", text(r.forDuration()))
                    .put("resolveAfter", text(r.resolveAfter()));
            ArrayNode ch = row.putArray("notify");
            (r.channels().isEmpty() ? s.channels().keySet() : r.channels()).forEach(ch::add);
        }
        ObjectNode delivery = o.putObject("delivery");
        delivery.put("delivered", notifier.delivered()).put("failed", notifier.failed())
                .put("pending", notifier.pending()).put("dropped", notifier.dropped());
        return o;
    }

    /** {@code 90s} as {@code 1m30s}, as a config would say it. */
    static String text(Duration d) {
        if (d.isZero()) return "0s";
        StringBuilder b = new StringBuilder();
        if (d.toHours() > 0) b.append(d.toHours()).append('h');
        if (d.toMinutesPart() > 0) b.append(d.toMinutesPart()).append('m');
        if (d.toSecondsPart() > 0) b.append(d.toSecondsPart()).append('s');
        if (d.toMillisPart() > 0) b.append(d.toMillisPart()).append("ms");
        return b.toString();
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
    }
}
