/**
 * Routing: from a request line to a route and the path its upstream receives.
 *
 * <p>Per request, in this order: {@link io.turnpike.route.RequestPath#parse} normalises the
 * request target (or refuses it: 400); {@link io.turnpike.route.Router#find} picks the route
 * from host, method, normalised path and headers (or answers 404 / 405 with {@code Allow});
 * the route's {@link io.turnpike.route.PathRewriter} builds the upstream path, to which the
 * caller appends {@code ?} and the raw query unchanged. The router and the rewriters are
 * compiled once per config snapshot and are immutable.
 */
package io.turnpike.route;
