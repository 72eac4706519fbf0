package io.turnpike.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A route's CORS rules. Origins are exact ({@code https://app.example.com}), a subdomain pattern
 * ({@code https://*.example.com}) or {@code *}.
 */
public record Cors(List<String> origins, List<String> methods, List<String> headers, List<String> exposeHeaders,
                   boolean credentials, Duration maxAge) {
    public Cors {
        origins = List.copyOf(origins);
        methods = List.copyOf(methods);
        headers = List.copyOf(headers);
        exposeHeaders = List.copyOf(exposeHeaders);
    }

    public boolean allowsOrigin(String origin) {
        if (origin == null) return false;
        String o = origin.toLowerCase(Locale.ROOT);
        for (String allowed : origins) {
            if (allowed.equals("*") || allowed.equalsIgnoreCase(o)) return true;
            int star = allowed.indexOf("://*.");
            if (star > 0) {
                String scheme = allowed.substring(0, star + 3).toLowerCase(Locale.ROOT);
                String suffix = allowed.substring(star + 4).toLowerCase(Locale.ROOT); // ".example.com"
                if (o.startsWith(scheme) && o.endsWith(suffix) && o.length() > scheme.length() + suffix.length()
                        && o.indexOf('/', scheme.length()) < 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The value for Access-Control-Allow-Origin: the origin itself (never {@code *} with credentials). */
    public String allowOriginFor(String origin) {
        return origins.contains("*") && !credentials ? "*" : origin;
    }
}
