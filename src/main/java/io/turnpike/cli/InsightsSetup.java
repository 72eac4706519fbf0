package io.turnpike.cli;

import io.turnpike.admin.Insights;
import io.turnpike.config.AdminSettings;
import io.turnpike.config.ConfigSources;
import io.turnpike.config.GatewayConfig;
import io.turnpike.core.LoopClock;
import io.turnpike.observe.alert.AlertEngine;
import io.turnpike.observe.alert.Notifier;
import io.turnpike.observe.alert.Signals;
import io.turnpike.observe.analytics.Analytics;
import io.turnpike.observe.analytics.MinuteStore;
import io.turnpike.observe.analytics.UsageSource;
import io.turnpike.server.Gateway;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics rollups and the alert rules of a running gateway, wired together: the rollups
 * observe every exchange, the rules read the rollups, the gateway's breakers and nodes, metered
 * usage and the reload outcomes, and the admin listener serves both.
 */
final class InsightsSetup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InsightsSetup.class);

    private final Analytics analytics;
    private final Notifier notifier = new Notifier();
    private final AlertEngine alerts;
    private final AtomicReference<Gateway> gateway = new AtomicReference<>();
    private final AtomicReference<String> dashboard = new AtomicReference<>();
    private volatile boolean reloadFailed;
    private final UsageSource usage;
    private final Thread storeOpener;

    /** @param usage metered usage per consumer; {@link UsageSource#NONE} until metering provides it */
    InsightsSetup(ConfigSources sources, UsageSource usage) {
        GatewayConfig config = sources.current();
        this.usage = usage;
        // 96 MiB, or an eighth of the heap in a small one
        long budget = Math.min(Analytics.DEFAULT_BUDGET_BYTES, Runtime.getRuntime().maxMemory() / 8);
        this.analytics = new Analytics(LoopClock::currentTimeMillis, Analytics.DEFAULT_KEYS_PER_DIMENSION,
                Analytics.DEFAULT_QUEUE, budget, null).awaitStore().start();
        // The history opens beside the start, not before it: SQLite unpacks and loads its native
        // library first. Exchanges meanwhile wait in the rollup queue.
        java.nio.file.Path dir = config.storage().dataDir();
        this.storeOpener = Thread.ofPlatform().name("turnpike-analytics-open").daemon().start(() -> {
            MinuteStore store = null;
            try {
                store = MinuteStore.open(dir);
            } catch (Exception e) {
                log.warn("analytics history off: cannot open {}/{}: {}", dir, MinuteStore.FILE, e.toString());
            }
            analytics.attach(store);
        });
        Signals signals = new Signals(analytics, () -> {
            Gateway g = gateway.get();
            return g == null ? null : g.snapshot();
        }, usage, () -> reloadFailed, () -> {
            Gateway g = gateway.get();
            return g == null || g.certificates() == null ? java.util.List.of() : g.certificates().served();
        });
        this.alerts = new AlertEngine(() -> sources.current().alerts(), signals, notifier, System::currentTimeMillis,
                () -> {
                    String configured = sources.current().alerts().dashboardUrl();
                    return configured != null ? configured : dashboard.get();
                }).silencesIn(config.storage().dataDir().resolve("alert-silences.json")).start();
        if (!config.alerts().rules().isEmpty()) {
            log.info("alerts: {} rules, {} channels", config.alerts().rules().size(), config.alerts().channels().size());
        }
    }

    Analytics analytics() {
        return analytics;
    }

    void attach(Gateway g) {
        gateway.set(g);
    }

    /** The admin listener's address, for links in alerts. */
    void dashboardAt(AdminSettings admin, int port) {
        String host = admin.host().equals("0.0.0.0") || admin.host().equals("::") ? "127.0.0.1" : admin.host();
        dashboard.set("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + "/#alerts");
    }

    Insights insights() {
        return new Insights(analytics, alerts, usage);
    }

    /** Told of each changed config file: a failed reload is what {@code reloadFailed()} watches. */
    void reloadOutcome(boolean ok) {
        reloadFailed = !ok;
    }

    @Override
    public void close() {
        alerts.close();
        notifier.close();
        try {
            storeOpener.join(); // the history is attached before the last minute is written to it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        analytics.close();
    }
}
