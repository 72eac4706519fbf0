package io.turnpike.observe;

/**
 * How the access log is written.
 *
 * @param enabled       false = no access log at all
 * @param target        {@code "stdout"}, or a file path (rotated daily and at 100 MiB; 14 days and
 *                      2 GiB kept)
 * @param sampleSuccess share of successful exchanges logged, 0.0 to 1.0; errors (status 400 and up,
 *                      or any exchange that did not end {@code ok}) are always logged
 * @param compress      whether a file rotated away is gzipped; off by default, as gzip costs about a
 *                      second of CPU per 100 MiB of lines, in the gateway's own process
 */
public record AccessLogSettings(boolean enabled, String target, double sampleSuccess, boolean compress) {
    public static final String STDOUT = "stdout";
    public static final AccessLogSettings DEFAULT = new AccessLogSettings(true, STDOUT, 1.0, false);

    /** Rotated files kept as they are written. */
    public AccessLogSettings(boolean enabled, String target, double sampleSuccess) {
        this(enabled, target, sampleSuccess, false);
    }

    public AccessLogSettings {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("target: " + target + " (expected: stdout or a file path)");
        }
        if (!(sampleSuccess >= 0.0 && sampleSuccess <= 1.0)) {
            throw new IllegalArgumentException("sampleSuccess: " + sampleSuccess + " (expected: 0.0 to 1.0)");
        }
    }
}
