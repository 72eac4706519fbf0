package io.turnpike.cli;

import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Problem;
import io.turnpike.config.ServerSettings;
import io.turnpike.server.Gateway;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when the watched config file changes: a good file is applied to the running gateway;
 * a bad one is reported, one problem per line, and the running config stays.
 */
final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    private final Gateway gateway;
    private volatile GatewayConfig current;

    Reloader(Gateway gateway, GatewayConfig initial) {
        this.gateway = gateway;
        this.current = initial;
    }

    /** The config the gateway runs now; its drain timeout is the one shutdown uses. */
    GatewayConfig current() {
        return current;
    }

    void onGood(GatewayConfig next) {
        try {
            gateway.apply(next);
        } catch (RuntimeException e) {
            log.error("config {} not applied: {}; the running config stays", next.source(), e.toString());
            return;
        }
        ServerSettings was = current.server();
        ServerSettings now = next.server();
        if (!was.host().equals(now.host()) || was.port() != now.port() || was.eventLoops() != now.eventLoops()) {
            // The listener is bound once; routes and services change live, the socket does not.
            log.warn("server listen/eventLoops changed; still listening on {}:{} until restarted",
                    was.host(), was.port());
        }
        current = next;
        log.info("config reloaded from {}: {}", next.source(), ConfigCheck.summary(next));
    }

    void onBad(List<Problem> problems) {
        for (Problem problem : problems) {
            log.warn("{}", problem);
        }
        log.warn("config not reloaded ({} problem{}); the running config stays",
                problems.size(), problems.size() == 1 ? "" : "s");
    }
}
