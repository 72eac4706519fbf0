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

    /**
     * The same rules for a grpc-web route: a browser may send grpc-web's own request headers and
     * read the status of the call ({@code grpc-status}, {@code grpc-message}).
     */
    public Cors withGrpcWeb() {
        return new Cors(origins, methods, union(headers, List.of("content-type", "x-grpc-web", "x-user-agent",
                "grpc-timeout")), union(exposeHeaders, List.of("grpc-status", "grpc-message")), credentials, maxAge);
    }

    private static List<String> union(List<String> a, List<String> b) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>(a);
        for (String s : b) {
            if (a.stream().noneMatch(s::equalsIgnoreCase)) out.add(s);
        }
        return List.copyOf(out);
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
        return variesByOrigin() ? origin : "*";
    }

    /** The answer names the caller's origin (not {@code *}): a cache must key it on {@code Origin}. */
    public boolean variesByOrigin() {
        return !origins.contains("*") || credentials;
    }
}
