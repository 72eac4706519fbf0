package io.turnpike.upstream;

import io.turnpike.config.NodeSpec;
import io.turnpike.config.ServiceSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend node and its live counters. A node outlives config reloads as long as its
 * {@code host:port} stays in its service, so its statistics and pooled connections carry over.
 */
public final class Node {
    private final String serviceId;
    private final String key;
    private final String host;
    private final InetSocketAddress address;
    // The scheme (and with it the Host header's default port and the TLS) follow reloads.
    private volatile String url;
    private volatile String hostHeader;
    private volatile ServiceTls tls;
    private volatile ServiceSpec.Protocol protocol = ServiceSpec.Protocol.HTTP1;
    private volatile ServiceSpec.Http2 http2 = ServiceSpec.Http2.DEFAULT;
    private volatile int weight;

    private final NodeStats stats = new NodeStats();
    private final NodeHealth health = new NodeHealth();
    // Written by each loop's NodePool, read by metrics: the pools themselves are loop-confined.
    private final LongAdder pooledOpen = new LongAdder();
    private final LongAdder pooledIdle = new LongAdder();

    /** Resolves the host once, here, so the event loop never does DNS. */
    Node(String serviceId, NodeSpec spec) {
        this.serviceId = serviceId;
        this.key = spec.key();
        this.host = spec.host();
        this.address = resolve(spec.host(), spec.port());
        update(spec, null, ServiceSpec.Protocol.HTTP1, ServiceSpec.Http2.DEFAULT);
    }

    /**
     * Takes the settings of a reloaded config that kept this node: weight, scheme, the service's TLS,
     * protocol and HTTP/2 flow control (for connections made from now on).
     */
    void update(NodeSpec spec, ServiceTls tls, ServiceSpec.Protocol protocol, ServiceSpec.Http2 http2) {
        this.protocol = protocol;
        this.http2 = http2;
        this.url = spec.url();
        this.hostHeader = spec.port() == (spec.https() ? 443 : 80) ? spec.host() : spec.host() + ":" + spec.port();
        this.tls = spec.https() ? tls : null;
        this.weight = spec.weight();
    }

    private static InetSocketAddress resolve(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            return InetSocketAddress.createUnresolved(host, port); // connecting fails; the node counts as down
        }
    }

    public String serviceId() { return serviceId; }
    /** {@code host:port}, the identity used for pools and statistics. */
    public String key() { return key; }
    public InetSocketAddress address() { return address; }
    /** The host as written in the config (a name or an IP literal). */
    public String host() { return host; }
    /** {@code http://host:port} or {@code https://host:port}. */
    public String url() { return url; }
    /** TLS to this node (its service's), or null for plaintext. */
    public ServiceTls tls() { return tls; }
    /** What the gateway speaks to this node (its service's {@code protocol}). */
    public ServiceSpec.Protocol protocol() { return protocol; }
    /** Its service's {@code http2:} settings, for the HTTP/2 connections to it. */
    public ServiceSpec.Http2 http2() { return http2; }
    /** The node's authority, for requests that need one. */
    public String hostHeader() { return hostHeader; }
    public int weight() { return weight; }
    void weight(int w) { this.weight = w; }

    /** Live numbers: in flight, totals, latency averages. */
    public NodeStats stats() { return stats; }

    /** Whether it may take traffic (health checks, ejection, its breaker). */
    public NodeHealth health() { return health; }

    /** May be picked now. */
    public boolean available(long nowNanos) { return health.available(nowNanos); }

    public long requests() { return stats.requests(); }
    public long failures() { return stats.failures(); }
    public long inFlight() { return stats.inFlight(); }

    void pooled(int openDelta, int idleDelta) {
        if (openDelta != 0) pooledOpen.add(openDelta);
        if (idleDelta != 0) pooledIdle.add(idleDelta);
    }

    /** Upstream connections to this node, open or being opened, over all event loops. */
    public long openConnections() { return pooledOpen.sum(); }
    /** Of those, the ones parked in a pool waiting for a request. */
    public long idleConnections() { return pooledIdle.sum(); }

    @Override
    public String toString() {
        return serviceId + "/" + key;
    }
}
