package io.turnpike.compose;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.ResponseStep;
import io.turnpike.core.Verdict;

/**
 * A route's response transform ({@code transform: <profile>: { response: ... }}), chosen by the
 * client profile the request was recognised as: header changes always, and a JSON body reshaped
 * (held whole, bounded) when the answer is a 2xx with a JSON body.
 */
public final class ResponseTransformPolicy implements Policy, ResponseStep {
    private final RouteTransforms transforms;

    private ResponseTransformPolicy(RouteTransforms transforms) {
        this.transforms = transforms;
    }

    /** The step for a route's transforms, or null when it has none for responses. */
    public static ResponseTransformPolicy of(TransformSpec spec) {
        RouteTransforms t = RouteTransforms.compile(spec);
        return t == null ? null : new ResponseTransformPolicy(t);
    }

    @Override
    public Verdict check(PolicyCall call) {
        return Verdict.PASS;
    }

    @Override
    public void respond(PolicyCall call, Head head) {
        ResponseShaper shape = transforms.response(call.profile());
        if (shape == null) return;
        HttpHeaders h = head.headers();
        shape.applyHeaders(h, call);
        if (head.bodyless() || !shape.appliesTo(head.status(), h)) return;
        h.remove(HttpHeaderNames.CONTENT_LENGTH); // the reshaped body is sent with its own length
        h.remove(HttpHeaderNames.ETAG);
        head.reshape(new ResponseStep.BodyReshape() {
            @Override
            public long maxBytes() {
                return shape.maxBodyBytes();
            }

            @Override
            public byte[] apply(ByteBuf body, String contentEncoding, PolicyCall c) {
                try {
                    return shape.reshape(body, contentEncoding, c);
                } catch (ResponseShaper.Unusable e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        });
    }
}
