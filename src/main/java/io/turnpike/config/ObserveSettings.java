package io.turnpike.config;

/**
 * What the gateway reports about its traffic ({@code observe:}).
 *
 * @param accessLog one JSON line per request
 * @param tracing   span export; {@link Tracing#OFF} unless an OTLP endpoint is set
 */
public record ObserveSettings(AccessLog accessLog, Tracing tracing) {
    public static final ObserveSettings DEFAULT = new ObserveSettings(AccessLog.DEFAULT, Tracing.OFF);

    /**
     * @param target        {@code stdout} or a file path (rotated)
     * @param sampleSuccess share of successful requests logged; errors are always logged
     * @param compress      whether a rotated file is gzipped (costs the gateway's CPU: ~1 s per 100 MiB)
     */
    public record AccessLog(boolean enabled, String target, double sampleSuccess, boolean compress) {
        public static final AccessLog DEFAULT = new AccessLog(true, "stdout", 1.0, false);
    }

    /**
     * @param otlpEndpoint OTLP/HTTP traces endpoint, e.g. {@code http://127.0.0.1:4318/v1/traces}; null = off
     * @param sampleRatio  share of the traces that start at the gateway to export; a client's sampled
     *                     flag is always followed
     */
    public record Tracing(String otlpEndpoint, double sampleRatio) {
        public static final Tracing OFF = new Tracing(null, 1.0);

        public boolean enabled() {
            return otlpEndpoint != null;
        }
    }
}
