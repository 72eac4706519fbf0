package io.turnpike.proxy;

import io.turnpike.core.Policy;
import io.turnpike.config.RouteSpec;
import io.turnpike.route.PathRewriter;
import io.turnpike.upstream.Service;

/** A route compiled for serving: its service, policy chain, path rewriter and effective timeout. */
public final class ProxyRoute {
    final RouteSpec spec;
    final Service service;
    final PathRewriter rewriter;
    final long requestTimeoutNanos;
    /** The route's policy chain, in order. */
    final Policy[] policies;
    /** The chain's steps that also see the service's response, in order (a response transform). */
    final io.turnpike.core.ResponseStep[] responders;
    /** Response transforms by client profile, for an aggregation's merged answer; null = none. */
    final io.turnpike.compose.RouteTransforms transforms;
    /** Set on an aggregate route (then {@code service} is null). */
    final io.turnpike.compose.Aggregation aggregation;

    public ProxyRoute(RouteSpec spec, Service service, Policy[] policies) {
        this.policies = policies;
        this.responders = java.util.Arrays.stream(policies).filter(p -> p instanceof io.turnpike.core.ResponseStep)
                .map(p -> (io.turnpike.core.ResponseStep) p).toArray(io.turnpike.core.ResponseStep[]::new);
        this.spec = spec;
        this.service = service;
        this.rewriter = PathRewriter.compile(spec.rewrite());
        this.transforms = io.turnpike.compose.RouteTransforms.compile(spec.transform());
        this.aggregation = io.turnpike.compose.Aggregation.compile(spec.aggregate());
        var timeout = spec.timeout() != null ? spec.timeout()
                : service != null ? service.timeouts().request() : spec.aggregate().timeout();
        this.requestTimeoutNanos = timeout.toNanos();
    }

    public String id() { return spec.id(); }
    public Service service() { return service; }
}
