package io.turnpike.cli;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.ConfigWatcher;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code turnpike run -c FILE}: serves traffic with a config file, reloads it when it changes, and
 * drains in-flight requests on SIGTERM.
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
        ConfigLoader.Result result = ConfigCheck.load(config);
        if (!result.ok()) {
            ConfigCheck.print(result.problems(), spec.commandLine().getErr());
            return 2;
        }
        return serve(config, result.config(), () -> {}, () -> {});
    }

    /**
     * Starts a gateway on {@code config} (loaded from {@code file}), keeps it in step with the file,
     * and blocks until the JVM is asked to stop.
     *
     * @param started    runs once the listener is up
     * @param afterDrain closed after the gateway has drained (e.g. the backends it used), or at once
     *                   when it could not start
     * @return the exit code: 1 when the gateway could not start, else 0 after a clean stop
     */
    static int serve(Path file, GatewayConfig config, Runnable started, AutoCloseable afterDrain)
            throws InterruptedException {
        Gateway gateway = start(config);
        if (gateway == null) {
            closeQuietly(afterDrain);
            return 1;
        }
        Reloader reloader = new Reloader(gateway, config);
        ConfigWatcher watcher = new ConfigWatcher(file, reloader::onGood, reloader::onBad);
        // The watcher stops first so no reload lands while the gateway drains.
        ShutdownSequence shutdown = new ShutdownSequence()
                .then("config watcher", watcher::close)
                .then("gateway", () -> drain(gateway, reloader.current()))
                .then("backends", afterDrain::close)
                .install();
        watcher.start();
        log.info("watching {} for changes", file); // from here on a SIGTERM drains
        started.run();
        shutdown.await();
        return 0;
    }

    /** Starts and announces a gateway; null (after logging why) when it cannot listen. */
    static Gateway start(GatewayConfig config) throws InterruptedException {
        String host = config.server().host();
        Gateway gateway;
        try {
            gateway = Gateway.start(config);
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
