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
        n.checkKeys(List.of("enabled", "target", "sampleSuccess", "compress"), Map.of());
        boolean enabled = n.get("enabled").bool(d.enabled());
        String target = n.get("target").text("stdout or a file path");
        if (target != null && target.isBlank()) {
            n.get("target").expected("stdout or a file path");
            target = null;
        }
        double sample = n.get("sampleSuccess").number(0.0, 1.0, d.sampleSuccess(), RATIO);
        boolean compress = n.get("compress").bool(d.compress());
        return new ObserveSettings.AccessLog(enabled, target == null ? d.target() : target.strip(), sample, compress);
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
        return new ObserveSettings.Tracing(endpoint, n.get("sampleRatio").number(0.0, 1.0, 1.0, RATIO));
    }
}
