package io.turnpike.core;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A {@link Policy} that also sees the service's response on its way back: after the head arrives
 * and before any of it reaches the client, the route's response steps run in chain order. A step
 * may change the response headers, or take the body whole to reshape it (a response transform).
 * Gateway-made answers (problems, preflights, an aggregation's merged JSON) do not pass here; the
 * policies' {@link PolicyCall#responseHeaders()} reach those too.
 */
public interface ResponseStep {
    void respond(PolicyCall call, Head head);

    /** The response as a step sees it; confined to the request's loop. */
    interface Head {
        int status();

        /** The response headers, as the client will get them (hop-by-hop headers already removed). */
        HttpHeaders headers();

        /** No body follows (HEAD, 204, 304), whatever the headers say. */
        boolean bodyless();

        /**
         * Holds the body whole (bounded by {@link BodyReshape#maxBytes()}, past which the client gets
         * 502) and sends what {@code reshape} makes of it, with its new length. The last step to ask wins.
         */
        void reshape(BodyReshape reshape);
    }

    /** A whole response body, rewritten. */
    interface BodyReshape {
        long maxBytes();

        /**
         * @param contentEncoding the body's {@code Content-Encoding}, or null
         * @return the new body (sent without a content encoding)
         * @throws IllegalArgumentException when the body cannot be reshaped (the message goes to the client, 502)
         */
        byte[] apply(ByteBuf body, String contentEncoding, PolicyCall call);
    }
}
