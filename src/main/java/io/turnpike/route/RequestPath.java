package io.turnpike.route;

/** TEMPORARY stand-in. */
public final class RequestPath {
    private final String path, query, rejection;
    private RequestPath(String p, String q, String r) { path = p; query = q; rejection = r; }
    public static RequestPath parse(String uri) {
        if (!uri.startsWith("/")) return new RequestPath(null, null, "bad target");
        int q = uri.indexOf('?');
        return q < 0 ? new RequestPath(uri, null, null) : new RequestPath(uri.substring(0, q), uri.substring(q + 1), null);
    }
    public boolean ok() { return rejection == null; }
    public String path() { return path; }
    public String query() { return query; }
    public String rejection() { return rejection; }
}
