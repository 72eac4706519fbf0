package io.turnpike.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's files: plain HTML, JS and CSS shipped in the jar, and uPlot from its WebJar. No
 * token is needed for them (they hold no data); every data call the page makes carries the token.
 * Without a configured token they are guarded like {@code /admin/*} (see {@link CrossSiteGuard}).
 */
final class Dashboard {
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final String UI = "io/turnpike/admin/ui/";
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {UI + "index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {UI + "index.html", "text/html; charset=utf-8"},
            "/ui/app.js", new String[] {UI + "app.js", "text/javascript; charset=utf-8"},
            "/ui/app.css", new String[] {UI + "app.css", "text/css; charset=utf-8"},
            "/ui/uplot/uPlot.iife.min.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "/ui/uplot/uPlot.min.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"});

    private final Map<String, String> cache = new ConcurrentHashMap<>();

    /** True when {@code path} is one of the dashboard's files. */
    static boolean serves(String path) {
        return FILES.containsKey(path);
    }

    AdminReply file(String path) {
        String[] f = FILES.get(path);
        String body = cache.computeIfAbsent(f[0], Dashboard::read);
        return AdminReply.text(f[1], body);
    }

    private static String read(String resource) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
    }
}
