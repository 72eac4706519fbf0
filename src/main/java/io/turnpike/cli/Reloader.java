package io.turnpike.cli;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.ConfigSources;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Problem;
import io.turnpike.config.ServerSettings;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when the watched config file changes: the new content goes through
 * {@link ConfigSources} (which lays the admin changes over it and applies the result), and the
 * outcome is told to the operator. A bad file is reported, one problem per line, and the running
 * config stays.
 */
final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final ConfigSources sources;
    private final Consumer<Boolean> outcomes;

    /** @param outcomes told of each changed file: true when it was applied (counted in the metrics) */
    Reloader(ConfigSources sources, Consumer<Boolean> outcomes) {
        this.sources = sources;
        this.outcomes = outcomes;
    }

    void onFile(byte[] content) {
        GatewayConfig was = sources.current();
        ConfigLoader.Result result;
        try {
            result = sources.reloadFile(content);
        } catch (RuntimeException e) {
            log.error("config {} not applied: {}; the running config stays", was.source(), e.toString());
            outcomes.accept(false);
            return;
        }
        if (!result.ok()) {
            onBad(result.problems());
            return;
        }
        outcomes.accept(true);
        GatewayConfig next = result.config();
        ServerSettings s = was.server();
        ServerSettings n = next.server();
        if (!s.host().equals(n.host()) || s.port() != n.port() || s.eventLoops() != n.eventLoops()) {
            // The listener is bound once; routes and services change live, the socket does not.
            log.warn("server listen/eventLoops changed; still listening on {}:{} until restarted", s.host(), s.port());
        }
        if (tlsListener(s) == null ? tlsListener(n) != null : !tlsListener(s).equals(tlsListener(n))
                || s.plaintext() != n.plaintext()) {
            log.warn("server.tls.listen changed (or a listener was added or removed); the listeners stay as they "
                    + "are until restarted; certificates and TLS settings are applied now");
        }
        if (!was.admin().equals(next.admin()) || !was.storage().equals(next.storage())) {
            log.warn("admin or storage settings changed; they take effect at the next restart");
        }
        log.info("config reloaded from {}: {}", next.source(), next.summary());
    }

    /** {@code host:port} of the TLS listener, or null without one. */
    private static String tlsListener(ServerSettings s) {
        return s.tls() == null ? null : s.tls().host() + ":" + s.tls().port();
    }

    void onBad(List<Problem> problems) {
        outcomes.accept(false);
        for (Problem problem : problems) {
            log.warn("{}", problem);
        }
        log.warn("config not reloaded ({} problem{}); the running config stays",
                problems.size(), problems.size() == 1 ? "" : "s");
    }
}
