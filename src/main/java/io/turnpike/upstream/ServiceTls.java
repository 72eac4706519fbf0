package io.turnpike.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import io.turnpike.config.ServiceSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS to one service's nodes: one client {@link SslContext} per service, so its connections share
 * one session cache (sessions made with one service's trust and client certificate are never
 * offered on behalf of another service, even on the same host:port). OpenSSL (BoringSSL) where it
 * loads, the JDK's provider otherwise. Built when a snapshot is compiled; a reload whose settings
 * and files are unchanged keeps the context (and its sessions and pooled connections).
 */
public final class ServiceTls {
    private static final Logger log = LoggerFactory.getLogger(ServiceTls.class);

    /** Loading OpenSSL is a noticeable part of a start: only a config with a TLS service pays for it. */
    private static final class Engine {
        static final SslProvider PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private final String serviceId;
    private final ServiceSpec.Tls spec;
    private final List<byte[]> files;
    private final String alpn;
    private final SslContext context;

    private ServiceTls(String serviceId, ServiceSpec.Tls spec, List<byte[]> files, String alpn, SslContext context) {
        this.serviceId = serviceId;
        this.spec = spec;
        this.files = files;
        this.alpn = alpn;
        this.context = context;
    }

    /**
     * The TLS of service {@code id}, or null for a plaintext one; {@code previous} is kept when
     * neither the settings nor the files' contents changed.
     *
     * @throws IllegalArgumentException when a file cannot be read or is not usable PEM
     */
    static ServiceTls build(ServiceSpec spec, ServiceTls previous) {
        ServiceSpec.Tls tls = spec.tls();
        if (tls == null) return null;
        List<byte[]> files = Arrays.asList(read(spec, "ca", tls.ca()),
                read(spec, "clientCert.cert", tls.clientCert() == null ? null : tls.clientCert().cert()),
                read(spec, "clientCert.key", tls.clientCert() == null ? null : tls.clientCert().key()));
        // protocol: h2 offers only h2: a node that cannot speak it fails the handshake rather than get HTTP/2 bytes
        String alpn = spec.protocol() == ServiceSpec.Protocol.H2 ? ApplicationProtocolNames.HTTP_2
                : ApplicationProtocolNames.HTTP_1_1;
        if (previous != null && previous.spec.equals(tls) && previous.alpn.equals(alpn)
                && sameContents(previous.files, files)) {
            return previous;
        }
        if (!tls.verify()) {
            log.warn("service {}: tls.verify is false: its nodes' certificates are not checked (chain and name)",
                    spec.id());
        }
        try {
            return new ServiceTls(spec.id(), tls, files, alpn, context(tls, files, List.of(alpn)));
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("service " + spec.id() + ": tls: " + e.getMessage(), e);
        }
    }

    /** @param protocols offered through ALPN, most wanted first (h2 joins for {@code protocol: h2}) */
    private static SslContext context(ServiceSpec.Tls tls, List<byte[]> files, List<String> protocols)
            throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(Engine.PROVIDER)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols));
        if (tls.verify()) {
            if (files.get(0) != null) b.trustManager(new ByteArrayInputStream(files.get(0)));
            b.endpointIdentificationAlgorithm("HTTPS");
        } else {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        }
        if (files.get(1) != null) {
            b.keyManager(new ByteArrayInputStream(files.get(1)), new ByteArrayInputStream(files.get(2)));
        }
        return b.build();
    }

    private static byte[] read(ServiceSpec spec, String key, Path file) {
        if (file == null) return null;
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("service " + spec.id() + ": tls." + key + ": cannot read " + file
                    + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static boolean sameContents(List<byte[]> a, List<byte[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) return false;
        }
        return true;
    }

    public ServiceSpec.Tls spec() { return spec; }

    /** The one protocol offered through ALPN: {@code h2} or {@code http/1.1}. */
    public String alpn() { return alpn; }

    /** The name sent as SNI and checked against a node's certificate: {@code serverName}, else the node's host. */
    public String nameFor(Node node) {
        return spec.serverName() != null ? spec.serverName() : node.host();
    }

    /**
     * A client-side handler for a new connection to {@code node}: SNI (not for IP literals), the
     * host name checked unless {@code verify: false}, the handshake bounded by {@code timeoutMillis}.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, Node node, long timeoutMillis) {
        String name = nameFor(node);
        // The engine's peer host is the name to check; the port keys the session cache within the service.
        SslHandler handler = context.newHandler(alloc, name, node.address().getPort());
        SSLEngine engine = handler.engine();
        SSLParameters params = engine.getSSLParameters();
        params.setEndpointIdentificationAlgorithm(spec.verify() ? "HTTPS" : null);
        if (!NetUtil.isValidIpV4Address(name) && !NetUtil.isValidIpV6Address(name)) {
            try {
                params.setServerNames(List.of(new SNIHostName(name))); // the JDK sends none for dotless names
            } catch (IllegalArgumentException notForSni) {
                // a node host SNI cannot carry (e.g. with '_'): the name is still checked, just not sent
            }
        }
        engine.setSSLParameters(params);
        handler.setHandshakeTimeoutMillis(timeoutMillis);
        return handler;
    }

    @Override
    public String toString() {
        return serviceId + " tls (" + Engine.PROVIDER + ")";
    }
}
