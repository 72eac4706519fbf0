package io.turnpike.config;

/**
 * HTTP/2 from clients ({@code server.http2}, {@code server.http2Limits}).
 *
 * @param enabled              h2c with prior knowledge on the plaintext listener (and {@code h2} in ALPN on TLS)
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS a client may open at once
 * @param initialWindowSize    the flow-control window a client may fill per stream before the gateway reads
 * @param maxResetsPerWindow   stream resets (by the client, or provoked by it) tolerated per {@code resetWindowSeconds}
 *                             before the connection is closed with ENHANCE_YOUR_CALM (Rapid Reset, MadeYouReset)
 * @param resetWindowSeconds   that window
 * @param maxStreamsPerConnection streams one connection carries; the last gets GOAWAY (NO_ERROR) and the
 *                             connection closes when its streams are done; 0 = no limit (the default)
 */
public record Http2Settings(boolean enabled, int maxConcurrentStreams, int initialWindowSize, int maxResetsPerWindow,
                            int resetWindowSeconds, int maxStreamsPerConnection) {
    public static final Http2Settings DEFAULT = new Http2Settings(true, 100, 256 * 1024, 200, 30, 0);
}
