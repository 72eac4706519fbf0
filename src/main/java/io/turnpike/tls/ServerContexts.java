package io.turnpike.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.turnpike.config.TlsSettings;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Makes the listener's {@link SslContext}s: OpenSSL (netty-tcnative's BoringSSL) where it loads,
 * the JDK's engine otherwise; the configured protocol versions; ALPN offering {@link #ALPN}.
 */
final class ServerContexts {
    /** What ALPN offers, in preference order: h2 first unless {@code server.http2} is off. */
    static List<String> alpn(TlsSettings settings) {
        return settings.h2() ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
    }

    private ServerContexts() {}

    /** {@code -Dturnpike.tls.jdk=true} keeps to the JDK's engine even where OpenSSL loads. */
    static SslProvider provider() {
        return !Boolean.getBoolean("turnpike.tls.jdk") && OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL)
                ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    static SslContext build(CertificatePair pair, TlsSettings settings, ClientTrust trust) throws CertificatePair.Invalid {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(pair.key(), pair.chain())
                    .sslProvider(provider())
                    .protocols(settings.protocols())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn(settings)));
            if (trust != null) {
                b.trustManager(trust.forHandshake())
                 .clientAuth(trust.mode() == TlsSettings.ClientAuth.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new CertificatePair.Invalid("the TLS engine refused the certificate: " + e.getMessage());
        }
    }
}
