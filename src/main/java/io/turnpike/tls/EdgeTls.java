package io.turnpike.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.turnpike.core.ClientCertificate;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The TLS layer of an accepted connection: SNI picks the certificate, the handshake runs under
 * {@code server.limits.handshakeTimeout}, and once it is done the verified client certificate (if
 * any) is put on the channel ({@link #CLIENT_CERTIFICATE}) for authentication and for
 * {@code Client-Cert}. HTTP/1.1 follows in the pipeline, reading what TLS decrypts; an h2 listener
 * would put an ALPN switch here instead.
 */
public final class EdgeTls {
    /** The verified client certificate of a TLS connection; absent when none (or not signed by clientCa). */
    public static final AttributeKey<ClientCertificate> CLIENT_CERTIFICATE =
            AttributeKey.valueOf("turnpike.clientCertificate");
    /** The largest ClientHello read while looking for the server name. */
    private static final int MAX_CLIENT_HELLO = 64 * 1024;

    private EdgeTls() {}

    public static void init(Channel ch, EdgeCertificates certificates, long handshakeTimeoutMillis) {
        ch.pipeline()
          .addLast("sni", new SniHandler(certificates, MAX_CLIENT_HELLO, handshakeTimeoutMillis))
          .addLast("tls-done", new HandshakeDone(certificates));
    }

    /** Records the client certificate when the handshake completes, then leaves the pipeline. */
    private static final class HandshakeDone extends ChannelInboundHandlerAdapter {
        private final EdgeCertificates certificates;

        HandshakeDone(EdgeCertificates certificates) {
            this.certificates = certificates;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess() && certificates.asksForClientCertificates()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    ClientCertificate cert = ssl == null ? null : certificates.clientCertificate(peer(ssl));
                    if (cert != null) ctx.channel().attr(CLIENT_CERTIFICATE).set(cert);
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireUserEventTriggered(evt);
        }

        private static X509Certificate[] peer(SslHandler ssl) {
            try {
                Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                X509Certificate[] out = new X509Certificate[chain.length];
                for (int i = 0; i < chain.length; i++) out[i] = (X509Certificate) chain[i];
                return out;
            } catch (SSLPeerUnverifiedException e) {
                return null; // the client sent none
            }
        }
    }
}
