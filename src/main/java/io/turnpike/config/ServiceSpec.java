package io.turnpike.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A backend service ({@code services.<id>:}): its nodes and how to talk to them.
 *
 * @param loadBalancer     balancer: {@code round-robin}, {@code random}, {@code least-request},
 *                         {@code peak-ewma}, {@code hash(header:X|cookie:Y|ip)}
 * @param priority         how high-priority calls use the fastest node
 * @param healthCheck      active checks; null = none
 * @param outlierDetection passive ejection; null = none
 * @param circuitBreaker   the service's breaker (and each node's); null = none
 * @param retries          when and how failed tries are retried
 * @param discovery        DNS or self-registration of nodes; null = the static {@code nodes} only
 * @param tls              TLS to every node ({@code https://} nodes); null = plaintext
 * @param protocol         what the gateway speaks to the nodes
 * @param http2            flow control towards the nodes when the protocol is {@code h2} or {@code h2c}
 */
public record ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool,
                          Priority priority, HealthCheck healthCheck, OutlierDetection outlierDetection,
                          CircuitBreaker circuitBreaker, Retries retries, Discovery discovery, Tls tls,
                          Protocol protocol, Http2 http2) {
    public ServiceSpec {
        nodes = List.copyOf(nodes);
        if (protocol == null) protocol = Protocol.HTTP1;
        if (http2 == null) http2 = Http2.DEFAULT;
    }

    /** A service with HTTP/2's default flow control. */
    public ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool,
                       Priority priority, HealthCheck healthCheck, OutlierDetection outlierDetection,
                       CircuitBreaker circuitBreaker, Retries retries, Discovery discovery, Tls tls, Protocol protocol) {
        this(id, nodes, loadBalancer, timeouts, pool, priority, healthCheck, outlierDetection, circuitBreaker, retries,
                discovery, tls, protocol, Http2.DEFAULT);
    }

    /**
     * {@code http2:} of an {@code h2}/{@code h2c} service.
     *
     * @param initialWindowSize what a node may send on one stream before the gateway has read it:
     *                          the most a response waiting for a slow client holds in the gateway
     *                          (the connection's window grows with it)
     */
    public record Http2(int initialWindowSize) {
        public static final Http2 DEFAULT = new Http2(65_535);
    }

    /** A service speaking HTTP/1.1 to its nodes. */
    public ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool,
                       Priority priority, HealthCheck healthCheck, OutlierDetection outlierDetection,
                       CircuitBreaker circuitBreaker, Retries retries, Discovery discovery, Tls tls) {
        this(id, nodes, loadBalancer, timeouts, pool, priority, healthCheck, outlierDetection, circuitBreaker, retries,
                discovery, tls, Protocol.HTTP1);
    }

    /** This service speaking {@code p} to its nodes, everything else kept. */
    public ServiceSpec withProtocol(Protocol p) {
        return new ServiceSpec(id, nodes, loadBalancer, timeouts, pool, priority, healthCheck, outlierDetection,
                circuitBreaker, retries, discovery, tls, p, http2);
    }

    /**
     * What the gateway speaks to a service's nodes ({@code protocol:}): HTTP/1.1, HTTP/2 over TLS
     * (ALPN {@code h2}, {@code https://} nodes) or HTTP/2 in cleartext with prior knowledge
     * ({@code http://} nodes, no {@code Upgrade}).
     */
    public enum Protocol {
        HTTP1("http1"), H2("h2"), H2C("h2c");

        private final String word;

        Protocol(String word) {
            this.word = word;
        }

        /** As written in the config. */
        public String word() { return word; }

        /** Many streams over one connection. */
        public boolean multiplexed() { return this != HTTP1; }
    }

    /** A plaintext service. */
    public ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool,
                       Priority priority, HealthCheck healthCheck, OutlierDetection outlierDetection,
                       CircuitBreaker circuitBreaker, Retries retries, Discovery discovery) {
        this(id, nodes, loadBalancer, timeouts, pool, priority, healthCheck, outlierDetection, circuitBreaker, retries,
                discovery, null);
    }

    /** This service with other nodes (discovered or registered ones added), everything else kept. */
    public ServiceSpec withNodes(List<NodeSpec> others) {
        return new ServiceSpec(id, others, loadBalancer, timeouts, pool, priority, healthCheck, outlierDetection,
                circuitBreaker, retries, discovery, tls, protocol, http2);
    }

    /** The URL scheme of the service's nodes, discovered and registered ones included. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /**
     * TLS to the nodes ({@code tls:}; {@code https://} nodes without it get {@link #DEFAULT}).
     *
     * @param ca         PEM file with the CA certificates the nodes' chains must lead to; null = the JDK's
     *                   default trust store. Relative to the config file's folder once loaded from a file.
     * @param serverName sent as SNI and checked against the node's certificate; null = each node's host
     * @param verify     false: neither the chain nor the name is checked (a warning at load)
     * @param clientCert a certificate the gateway presents to nodes that ask for one; null = none
     */
    public record Tls(Path ca, String serverName, boolean verify, ClientCert clientCert) {
        public static final Tls DEFAULT = new Tls(null, null, true, null);

        /** PEM files: the certificate (chain included) and its PKCS#8 private key. */
        public record ClientCert(Path cert, Path key) {}

        /** Relative files resolved against {@code folder} (the config file's). */
        Tls resolvedAgainst(Path folder) {
            return new Tls(resolve(folder, ca), serverName, verify, clientCert == null ? null
                    : new ClientCert(resolve(folder, clientCert.cert()), resolve(folder, clientCert.key())));
        }

        private static Path resolve(Path folder, Path file) {
            return file == null || folder == null ? file : folder.resolve(file);
        }
    }

    /** A service with the defaults for everything beyond nodes, balancer, timeouts and pool. */
    public ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool) {
        this(id, nodes, loadBalancer, timeouts, pool, Priority.DEFAULT, null, null, null, Retries.DEFAULT, null);
    }

    public ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool,
                       Priority priority, HealthCheck healthCheck, OutlierDetection outlierDetection,
                       CircuitBreaker circuitBreaker, Retries retries) {
        this(id, nodes, loadBalancer, timeouts, pool, priority, healthCheck, outlierDetection, circuitBreaker,
                retries, null);
    }

    /**
     * Where nodes come from besides {@code nodes:} ({@code discovery:} / {@code registration:}).
     *
     * @param dnsHost         a name re-resolved every {@code refresh}; each address is a node on {@code dnsPort}
     * @param refresh         how often the name is resolved again
     * @param registrationTtl nodes register themselves through the admin API and stay while they
     *                        heartbeat within this; null = no registration
     */
    public record Discovery(String dnsHost, int dnsPort, Duration refresh, Duration registrationTtl) {
        public boolean dns() { return dnsHost != null; }
    }

    /**
     * Retries ({@code retries:}). A failed attempt is retried, on another node when there is one,
     * when its failure is listed in {@code on}, the method is idempotent (or the route opts in),
     * the request has no body, tries are left, the retry budget allows it and the request's
     * deadline has not passed.
     *
     * @param attempts      retries after the first try (0 = none beyond trying each node once on a refused connection)
     * @param onConnectFailure retry when connecting fails
     * @param onReset       retry when the connection breaks before any response byte
     * @param onTimeout     retry when a try times out before any response byte
     * @param onStatuses    retry on these response statuses (the response is discarded)
     * @param budget        retries at most this share of the service's recent requests (plus a small burst)
     * @param backoff       base of the jittered exponential wait between tries
     * @param perTryTimeout bounds one try; the route's (or service's) request timeout bounds them all
     * @param onGrpcStatuses retry when a gRPC response's {@code grpc-status} (in its head: a trailers-only
     *                      answer) is one of these codes ({@code grpc-unavailable} is 14)
     */
    public record Retries(int attempts, boolean onConnectFailure, boolean onReset, boolean onTimeout,
                          java.util.Set<Integer> onStatuses, double budget, Duration backoff, Duration perTryTimeout,
                          java.util.Set<Integer> onGrpcStatuses) {
        public static final Retries DEFAULT = new Retries(0, true, false, false, java.util.Set.of(), 0.2,
                Duration.ofMillis(25), null);

        public Retries {
            onStatuses = java.util.Set.copyOf(onStatuses);
            onGrpcStatuses = java.util.Set.copyOf(onGrpcStatuses);
        }

        /** Retries keyed on HTTP statuses and failures only. */
        public Retries(int attempts, boolean onConnectFailure, boolean onReset, boolean onTimeout,
                       java.util.Set<Integer> onStatuses, double budget, Duration backoff, Duration perTryTimeout) {
            this(attempts, onConnectFailure, onReset, onTimeout, onStatuses, budget, backoff, perTryTimeout,
                    java.util.Set.of());
        }
    }

    /**
     * High-priority routing ({@code priority:}).
     *
     * @param maxShare    no node gets more than this many times its fair share of high-priority calls
     * @param maxInFlight requests to the service at once before normal-priority calls are shed
     *                    (503 with Retry-After); 0 = no limit
     */
    public record Priority(double maxShare, int maxInFlight) {
        public static final Priority DEFAULT = new Priority(2.0, 0);
    }

    /**
     * Active health checks ({@code healthCheck:}).
     *
     * @param unhealthyAfter consecutive failed checks that take a node out
     * @param healthyAfter   consecutive passed checks that bring it back
     */
    public record HealthCheck(String path, Duration interval, Duration timeout, int unhealthyAfter, int healthyAfter) {}

    /**
     * Passive ejection ({@code outlierDetection:}).
     *
     * @param ejectFor   the first ejection's length; each further one is longer
     * @param maxEjected at most this share of the service's nodes is ejected at once
     */
    public record OutlierDetection(int consecutiveFailures, Duration ejectFor, double maxEjected) {}

    /**
     * A circuit breaker ({@code circuitBreaker:}), per service and per node.
     *
     * @param failureRate   share of failed calls in the window that opens it
     * @param slowOver      a call slower than this counts as slow; null = no slow-call rule
     * @param slowRate      share of slow calls in the window that opens it
     * @param window        calls in the sliding window (also the minimum before it may open)
     * @param openFor       how long it stays open before letting probe calls through
     * @param halfOpenCalls probe calls in half-open
     */
    public record CircuitBreaker(double failureRate, Duration slowOver, double slowRate, int window, Duration openFor,
                                 int halfOpenCalls) {}

    /**
     * @param connect  TCP connect to a node; past it the next node is tried, else 502
     * @param request  from sending the request to the whole response received; past it 504
     * @param idle     no bytes from the node for this long while a response is awaited; 504
     */
    public record Timeouts(Duration connect, Duration request, Duration idle) {
        public static final Timeouts DEFAULT =
                new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /**
     * Upstream connection pool, per event loop and node.
     *
     * @param maxPerNode   connections to one node from one event loop (in use + idle)
     * @param idleTimeout  an idle pooled connection is closed after this
     */
    public record Pool(int maxPerNode, Duration idleTimeout) {
        public static final Pool DEFAULT = new Pool(256, Duration.ofSeconds(60));
    }
}
