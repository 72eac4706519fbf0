package io.turnpike.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

/** Binds {@code observe:} (access log and tracing) into {@link ObserveSettings}. */
final class ObserveSection {
    private static final String RATIO = "a number from 0.0 to 1.0";

    private ObserveSection() {}

    static ObserveSettings bind(ConfigNode observe) {
        observe.checkKeys(List.of("accessLog", "tracing"), Map.of());
        return new ObserveSettings(accessLog(observe.get("accessLog")), tracing(observe.get("tracing")));
    }

    private static ObserveSettings.AccessLog accessLog(ConfigNode n) {
        ObserveSettings.AccessLog d = ObserveSettings.AccessLog.DEFAULT;
        n.checkKeys(List.of("enabled", "target", "sampleSuccess"), Map.of());
        boolean enabled = bool(n.get("enabled"), d.enabled());
        String target = n.get("target").text("stdout or a file path");
        if (target != null && target.isBlank()) {
            n.get("target").expected("stdout or a file path");
            target = null;
        }
        double sample = ratio(n.get("sampleSuccess"), d.sampleSuccess());
        return new ObserveSettings.AccessLog(enabled, target == null ? d.target() : target.strip(), sample);
    }

    private static ObserveSettings.Tracing tracing(ConfigNode n) {
        n.checkKeys(List.of("otlp", "sampleRatio"), Map.of());
        ConfigNode otlp = n.get("otlp");
        String endpoint = otlp.text("an OTLP/HTTP URL like http://127.0.0.1:4318/v1/traces");
        if (endpoint != null) {
            endpoint = endpoint.strip();
            try {
                URI u = URI.create(endpoint);
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                otlp.expected("an OTLP/HTTP URL like http://127.0.0.1:4318/v1/traces");
                endpoint = null;
            }
        }
        return new ObserveSettings.Tracing(endpoint, ratio(n.get("sampleRatio"), 1.0));
    }

    private static boolean bool(ConfigNode n, boolean fallback) {
        String t = n.text("true or false");
        if (t == null) return fallback;
        if (t.strip().equals("true")) return true;
        if (t.strip().equals("false")) return false;
        n.expected("true or false");
        return fallback;
    }

    private static double ratio(ConfigNode n, double fallback) {
        String t = n.text(RATIO);
        if (t == null) return fallback;
        try {
            double d = Double.parseDouble(t.strip());
            if (d >= 0.0 && d <= 1.0) return d;
        } catch (NumberFormatException ignored) {
            // reported below, like an out-of-range number
        }
        n.expected(RATIO);
        return fallback;
    }
}
