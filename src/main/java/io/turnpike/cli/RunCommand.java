package io.turnpike.cli;

import io.turnpike.admin.AdminServer;
import io.turnpike.cluster.Fleet;
import io.turnpike.config.AdminSettings;
import io.turnpike.config.ConfigSources;
import io.turnpike.config.ConfigWatcher;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.ObserveSettings;
import io.turnpike.metering.Metering;
import io.turnpike.observe.AccessLogSettings;
import io.turnpike.observe.Observability;
import io.turnpike.observe.trace.SpanExport;
import io.turnpike.core.ExchangeObserver;
import java.util.function.Supplier;
import io.turnpike.server.Gateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code turnpike run -c FILE}: serves traffic with a config file (and the admin changes persisted
 * beside it), reloads it when it changes, and drains in-flight requests on SIGTERM.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Serve traffic with a config file; reload it when it changes; drain on SIGTERM.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The config file (YAML or JSON).")
    Path config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        ConfigSources.Opened opened = ConfigCheck.open(config);
        if (!opened.ok()) {
            ConfigCheck.print(opened.problems(), spec.commandLine().getErr());
            return 2;
        }
        return serve(opened.sources(), config, () -> {}, () -> {});
    }

    /**
     * Starts a gateway (and its admin listener) on {@code sources}, keeps it in step with the file,
     * and blocks until the JVM is asked to stop.
     *
     * @param file       the file to watch, or null for a config that has none (the demo's)
     * @param started    runs once the listeners are up
     * @param afterDrain closed after the gateway has drained (e.g. the backends it used), or at once
     *                   when it could not start
     * @return the exit code: 1 when a listener could not start, else 0 after a clean stop
     */
    static int serve(ConfigSources sources, Path file, Runnable started, AutoCloseable afterDrain)
            throws InterruptedException {
        ObserveSettings observe = sources.current().observe();
        Observability observability = new Observability(accessLog(observe.accessLog()));
        SpanExport spans = observe.tracing().enabled()
                ? SpanExport.otlp(observe.tracing().otlpEndpoint(), observe.tracing().sampleRatio()) : null;
        if (spans != null) {
            log.info("exporting spans to {} (sample ratio {})", observe.tracing().otlpEndpoint(),
                    observe.tracing().sampleRatio());
        }
        // In a fleet, the node's last copy of the shared state serves from the first request on.
        Fleet fleet = sources.current().cluster().shared() ? Fleet.prepare(sources) : null;
        Metering metering;
        try {
            metering = Metering.open(sources.current());
        } catch (Exception e) {
            log.error("cannot open the usage ledger: {}", e.toString());
            if (spans != null) spans.close();
            observability.close();
            closeQuietly(afterDrain);
            return 1;
        }
        InsightsSetup insights = new InsightsSetup(sources, metering.usageSource());
        AutoCloseable observers = () -> {
            if (spans != null) spans.close();
            observability.close();
            insights.close();
        };
        ExchangeObserver observer = ExchangeObserver.both(ExchangeObserver.both(
                spans == null ? observability : ExchangeObserver.both(observability, spans), insights.analytics()),
                metering.observer());
        Gateway gateway = start(sources.current(), observer, spans != null, metering);
        if (gateway == null) {
            closeQuietly(metering);
            closeQuietly(observers);
            closeQuietly(afterDrain);
            return 1;
        }
        sources.applyTo(gateway::apply);
        if (fleet != null) fleet.start(gateway, observability.registry(), insights.insights().alerts());
        insights.attach(gateway);
        if (gateway.certificates() != null) observability.certificates(gateway.certificates()::served);
        AdminServer admin;
        try {
            admin = startAdmin(sources, gateway, observability::scrape, insights, metering, fleet);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            AdminSettings a = sources.current().admin();
            log.error("cannot start the admin API on {}:{}: {} (admin.listen: off disables it)", a.host(), a.port(), e.toString());
            gateway.shutdown(Duration.ZERO);
            if (fleet != null) fleet.close();
            closeQuietly(metering);
            closeQuietly(observers);
            closeQuietly(afterDrain);
            return 1;
        }
        Reloader reloader = new Reloader(sources, ok -> {
            observability.recordReload(ok);
            insights.reloadOutcome(ok);
        });
        ConfigWatcher watcher = file == null ? null : ConfigWatcher.ofContent(file, reloader::onFile, reloader::onBad);
        // The watcher stops first so no reload lands while the gateway drains; the admin API
        // answers until the gateway is gone, so /ready can say it is draining.
        ShutdownSequence shutdown = new ShutdownSequence()
                .then("config watcher", () -> { if (watcher != null) watcher.close(); })
                .then("fleet", () -> { if (fleet != null) fleet.close(); })
                .then("gateway", () -> drain(gateway, sources.current()))
                .then("usage ledger", metering::close) // after the drain: every call has been metered
                .then("access log, spans, analytics and alerts", observers::close)
                .then("admin API", () -> { if (admin != null) admin.close(); })
                .then("backends", afterDrain::close)
                .install();
        if (watcher != null) {
            watcher.start();
            log.info("watching {} for changes", file); // from here on a SIGTERM drains
        }
        started.run();
        shutdown.await();
        return 0;
    }

    /** Null when the config turns the admin listener off. */
    private static AdminServer startAdmin(ConfigSources sources, Gateway gateway, Supplier<String> metrics,
                                          InsightsSetup insights, Metering metering, Fleet fleet) throws Exception {
        if (!sources.current().admin().enabled()) {
            log.info("admin API off (admin.listen: off)");
            return null;
        }
        AdminServer admin = AdminServer.start(sources, gateway, metrics, insights.insights(), metering, fleet);
        insights.dashboardAt(sources.current().admin(), admin.port());
        return admin;
    }

    private static AccessLogSettings accessLog(ObserveSettings.AccessLog a) {
        return a.enabled() ? new AccessLogSettings(true, a.target(), a.sampleSuccess(), a.compress())
                : new AccessLogSettings(false, AccessLogSettings.STDOUT, a.sampleSuccess());
    }

    /** Starts and announces a gateway; null (after logging why) when it cannot listen. */
    static Gateway start(GatewayConfig config, ExchangeObserver observer, boolean recordAttempts)
            throws InterruptedException {
        return start(config, observer, recordAttempts, null);
    }

    /** As above, with quotas enforced from {@code metering} (null: none). */
    static Gateway start(GatewayConfig config, ExchangeObserver observer, boolean recordAttempts, Metering metering)
            throws InterruptedException {
        String host = config.server().host();
        Gateway gateway;
        try {
            gateway = Gateway.start(config, observer, metering == null ? null : metering.quotas());
            gateway.observe(observer, recordAttempts);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Bind failures arrive as checked exceptions Netty rethrows undeclared.
            log.error("cannot start on {}:{}: {}", host, config.server().port(), e.toString());
            return null;
        }
        return gateway; // the gateway itself logs where it listens
    }

    static void drain(Gateway gateway, GatewayConfig config) {
        log.info("shutting down: draining requests in flight for up to {} ms",
                config.server().drainTimeout().toMillis());
        gateway.shutdown(config.server().drainTimeout());
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("close failed: {}", e.toString());
        }
    }
}
