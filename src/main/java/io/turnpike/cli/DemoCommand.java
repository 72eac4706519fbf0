package io.turnpike.cli;

import io.turnpike.config.ConfigSources;
import io.turnpike.config.GatewayConfig;
import io.turnpike.demo.DemoCertificate;
import io.turnpike.demo.DemoConfig;
import io.turnpike.demo.SampleFleet;
import io.turnpike.demo.SampleKind;
import io.turnpike.demo.Tour;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code turnpike demo}: three sample services (users, orders, catalog; two nodes each) in this
 * process, a gateway in front of them, and a tour of curl commands to try.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Start sample services (users, orders, catalog; two nodes each) and a gateway; print curls to try.")
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODES_PER_SERVICE = 2;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
            description = "Gateway port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--admin-port", defaultValue = "9080", paramLabel = "PORT",
            description = "Admin API port on 127.0.0.1, no token (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Option(names = "--tls-port", defaultValue = "8443", paramLabel = "PORT",
            description = "HTTPS port on 127.0.0.1, with a certificate made at start (default: ${DEFAULT-VALUE}).")
    int tlsPort;

    @Option(names = "--config-out", paramLabel = "FILE",
            description = "Write the demo's config to FILE and serve from that file as `run -c FILE` would, reloading edits.")
    Path configOut;

    @Option(names = "--services-only",
            description = "Start only the sample services (needs --config-out); serve them with `turnpike run -c FILE`.")
    boolean servicesOnly;

    @Spec
    CommandSpec spec;

    private DemoCertificate certificate;

    @Override
    public Integer call() throws InterruptedException, IOException {
        if (servicesOnly && configOut == null) {
            throw new ParameterException(spec.commandLine(), "--services-only needs --config-out FILE");
        }
        if (port < 1 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port: " + port + " (expected: 1..65535)");
        }
        if (adminPort < 1 || adminPort > 65535 || adminPort == port) {
            throw new ParameterException(spec.commandLine(), "--admin-port: " + adminPort
                    + " (expected: 1..65535, not the gateway's port)");
        }
        if (tlsPort < 1 || tlsPort > 65535 || tlsPort == port || tlsPort == adminPort) {
            throw new ParameterException(spec.commandLine(), "--tls-port: " + tlsPort
                    + " (expected: 1..65535, not the gateway's or the admin API's port)");
        }
        SampleFleet fleet = SampleFleet.start(NODES_PER_SERVICE);
        for (SampleKind kind : SampleKind.values()) {
            log.info("sample service {}: {}", kind.id(), fleet.nodes(kind).stream()
                    .map(n -> n.node() + " " + n.url()).collect(Collectors.joining(", ")));
        }
        // Admin changes made while the demo runs are kept apart from any real dataDir.
        Path dataDir = Files.createTempDirectory("turnpike-demo-");
        certificate = DemoCertificate.create(dataDir);
        GatewayConfig config = DemoConfig.withTls(DemoConfig.build(HOST, port, adminPort, dataDir, fleet.ports()),
                tlsPort, certificate);
        PrintStream out = System.out;
        if (configOut == null) {
            return serveInProcess(config, fleet, out);
        }
        Files.writeString(configOut, DemoConfig.yaml(config));
        log.info("demo config written to {}", configOut);
        if (servicesOnly) {
            out.println();
            out.println("Sample services are up. Serve them with:  ./turnpike run -c " + configOut);
            Tour.print(out, port);
            new ShutdownSequence().then("sample services", fleet::close).install().await();
            return 0;
        }
        // Serve what the file says, through the loader, so the file is proven to be runnable.
        ConfigSources.Opened opened = ConfigCheck.open(configOut);
        if (!opened.ok()) {
            ConfigCheck.print(opened.problems(), spec.commandLine().getErr());
            fleet.close();
            return 2;
        }
        return RunCommand.serve(opened.sources(), configOut, () -> tour(out, configOut), fleet);
    }

    private int serveInProcess(GatewayConfig config, SampleFleet fleet, PrintStream out) throws InterruptedException {
        // Through the same sources as a file, so the admin API can change the demo's routes too.
        ConfigSources.Opened opened = ConfigSources.open("demo", DemoConfig.yaml(config), System::getenv);
        if (!opened.ok()) {
            ConfigCheck.print(opened.problems(), spec.commandLine().getErr());
            fleet.close();
            return 2;
        }
        int code = RunCommand.serve(opened.sources(), null, () -> tour(out, null), fleet);
        if (code != 0) {
            out.println("If port " + port + ", " + adminPort + " or " + tlsPort + " is taken, try: ./turnpike demo --port "
                    + (port == 65535 ? 8081 : port + 1) + " --admin-port " + (adminPort == 65535 ? 9081 : adminPort + 1)
                    + " --tls-port " + (tlsPort == 65535 ? 8444 : tlsPort + 1));
        }
        return code;
    }

    private void tour(PrintStream out, Path file) {
        out.println();
        out.println("Turnpike demo on http://" + HOST + ":" + port + " -> services users, orders, catalog ("
                + NODES_PER_SERVICE + " nodes each)");
        if (file != null) out.println("Serving " + file + "; edit it and the gateway reloads it.");
        out.println("Admin API on http://" + HOST + ":" + adminPort + " (no token: loopback only), e.g.  curl -s http://"
                + HOST + ":" + adminPort + "/admin/routes");
        Tour.print(out, port);
        out.println("  # HTTPS, with a certificate made at start for localhost (trust its CA with --cacert)");
        out.println("  curl -i --cacert " + certificate.caFile() + " https://localhost:" + tlsPort + "/api/users/1");
        out.println();
    }
}
