package io.turnpike.route;

import io.turnpike.config.RouteSpec;

/** TEMPORARY stand-in. */
public final class PathRewriter {
    public static PathRewriter compile(RouteSpec.Rewrite r) { return new PathRewriter(); }
    public String rewrite(String path, RouteMatch<?> m) { return path; }
}
