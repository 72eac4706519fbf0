package io.turnpike.metering;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.RawHttp;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A gateway with metering, started the way {@code run} starts one: the meter observes it, its
 * routes enforce quotas, and the ledger lives in the config's dataDir. Closing drains the gateway,
 * then closes the ledger (which writes what is left).
 */
final class MeteredGateway implements AutoCloseable {
    static final Map<String, String> KEYS = Map.of("KEY_ACME", "acme-key-0123456789", "KEY_BETA", "beta-key-0123456789",
            "KEY_GAMMA", "gamma-key-0123456789", "KEY_DELTA", "delta-key-0123456789");

    final GatewayConfig config;
    final Metering metering;
    final Gateway gateway;

    private MeteredGateway(GatewayConfig config, Metering metering, Gateway gateway) {
        this.config = config;
        this.metering = metering;
        this.gateway = gateway;
    }

    static GatewayConfig parse(String yaml) {
        ConfigLoader.Result r = ConfigLoader.parse("metering.yaml", yaml, KEYS::get);
        if (!r.ok()) throw new AssertionError("config refused: " + r.problems());
        return r.config();
    }

    /**
     * A config with service {@code svc} at {@code backend}, the ledger in {@code dataDir}, four
     * consumers with API keys (acme, beta, gamma, delta) and the plans, consumers' plans and routes given.
     */
    static String yaml(Path dataDir, String backend, String plans, Map<String, String> consumerPlans, String routes) {
        StringBuilder consumers = new StringBuilder("consumers:\n");
        for (String c : new String[] {"acme", "beta", "gamma", "delta"}) {
            String plan = consumerPlans.get(c);
            consumers.append("  - { id: ").append(c).append(plan == null ? "" : ", plan: " + plan)
                    .append(", credentials: [ { apiKey: \"${KEY_").append(c.toUpperCase()).append("}\" } ] }\n");
        }
        return """
                server: { listen: "127.0.0.1:0", eventLoops: 2 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                storage: { dataDir: "%s" }
                services:
                  svc: { nodes: [ "%s" ] }
                  dead: { nodes: [ "http://127.0.0.1:1" ], timeouts: { connect: 200ms } }
                %s
                %s
                routes:
                %s""".formatted(dataDir.toString().replace("\\", "/"), backend, plans, consumers, routes);
    }

    static MeteredGateway start(GatewayConfig config, Clock clock, Duration flush) throws Exception {
        Metering m = Metering.open(config, clock, flush);
        try {
            return new MeteredGateway(config, m, Gateway.start(config, m.observer(), m.quotas()));
        } catch (Exception e) {
            m.close();
            throw e;
        }
    }

    static String key(String consumer) {
        return KEYS.get("KEY_" + consumer.toUpperCase());
    }

    /** One GET with the consumer's key (null: anonymous). */
    RawHttp.Response get(String path, String consumer) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n"
                    + (consumer == null ? "" : "X-API-Key: " + key(consumer) + "\r\n") + "\r\n");
            return c.read();
        }
    }

    @Override
    public void close() {
        gateway.close();
        metering.close();
    }
}
