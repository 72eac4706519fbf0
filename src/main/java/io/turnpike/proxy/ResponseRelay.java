package io.turnpike.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.turnpike.core.ResponseStep;
import io.turnpike.core.Problems;

/**
 * The service's response on its way to the client: hop-by-hop headers out, the route's response
 * steps ({@link ResponseStep}: a response transform), the policies' headers, {@code Via} and
 * {@code X-Request-Id} in; then the body streams
 * through with back-pressure (the node waits while the client is slower), or, when a transform
 * reshapes it, is held (bounded, {@link HeldResponse}) and sent whole with its new length.
 */
final class ResponseRelay {
    private final Exchange exchange;
    private final RequestCall call;
    private final Downstream down;
    private final boolean headRequest;
    private HeldResponse held;
    private WebText.Encoder base64; // a grpc-web-text caller's answer, encoded as it passes
    private long bytes;

    ResponseRelay(Exchange exchange, RequestCall call, Downstream down, boolean headRequest) {
        this.exchange = exchange;
        this.call = call;
        this.down = down;
        this.headRequest = headRequest;
    }

    long bytes() { return bytes; }

    /** A reshaped response is being held: nothing has reached the client yet. */
    boolean holding() { return held != null; }

    void head(HttpResponse res, ProxyRoute route) {
        HttpHeaders oh = res.headers();
        boolean lengthKnown = oh.contains(HttpHeaderNames.CONTENT_LENGTH);
        ProxyHeaders.stripHopByHop(oh);
        int status = res.status().code();
        boolean bodyless = headRequest || status == 204 || status == 304
                || res.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        ResponseStep.BodyReshape[] reshape = new ResponseStep.BodyReshape[1];
        if (route.responders.length > 0) {
            ResponseStep.Head view = new ResponseStep.Head() {
                @Override public int status() { return status; }
                @Override public HttpHeaders headers() { return oh; }
                @Override public boolean bodyless() { return bodyless; }
                @Override public void reshape(ResponseStep.BodyReshape r) { reshape[0] = r; }
            };
            for (ResponseStep step : route.responders) step.respond(call, view);
        }
        exchange.grpcStatus(oh.get(Grpc.STATUS)); // a trailers-only answer carries it in the head
        String web = exchange.grpcWebType();
        if (web != null) {
            // grpc-web: the answer in the caller's type; its trailers become a last frame, so the length grows
            oh.set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE, web);
            oh.remove(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH);
            lengthKnown = false;
            if (Grpc.isTextType(web)) base64 = new WebText.Encoder();
        }
        Forwarding.appendVia(oh);
        Forwarding.setOwn(oh, ProxyHeaders.X_REQUEST_ID, call.requestId()); // kept only when well-formed, else made
        call.addResponseHeaders(oh);
        if (reshape[0] != null) {
            held = new HeldResponse(res, reshape[0], down.alloc()); // sent whole, with its new length, at its end
            return;
        }
        down.sendHead(res, bodyless, lengthKnown);
    }

    /**
     * A piece of the body. Returns false when the client cannot take more now (the caller lets the
     * node wait until {@link Exchange#clientWritable}).
     */
    boolean content(HttpContent c) {
        if (held != null) {
            hold(c);
            return true;
        }
        if (c instanceof LastHttpContent last) {
            exchange.grpcStatus(last.trailingHeaders().get(Grpc.STATUS));
            if (exchange.grpcWebType() != null && !last.trailingHeaders().isEmpty()) {
                io.netty.buffer.ByteBuf frame = Grpc.trailerFrame(last.trailingHeaders(), down.alloc());
                last = new DefaultLastHttpContent(down.alloc().compositeBuffer(2)
                        .addComponent(true, last.content()).addComponent(true, frame));
            }
            if (base64 != null) last = new DefaultLastHttpContent(base64.encode(last.content(), true, down.alloc()));
            bytes += last.content().readableBytes();
            // Done before the last byte leaves, so whoever observes exchanges has seen this one
            // by the time the client has the whole response.
            exchange.responseEnded();
            down.sendLast(last);
            return true;
        }
        if (base64 != null) {
            io.netty.buffer.ByteBuf text = base64.encode(c.content(), false, down.alloc());
            if (!text.isReadable()) return down.writable(); // fewer than 3 bytes so far: they wait for the next
            c = new io.netty.handler.codec.http.DefaultHttpContent(text);
        }
        bytes += c.content().readableBytes();
        down.sendContent(c);
        return down.writable();
    }

    private void hold(HttpContent c) {
        if (!held.add(c)) {
            c.release();
            exchange.fail(Problems.Kind.BAD_GATEWAY, "the response of service " + exchange.serviceId()
                    + " exceeds the transform limit of " + held.limit() + " bytes (transform maxBodyBytes)");
            return;
        }
        if (!(c instanceof LastHttpContent)) return;
        byte[] shaped;
        try {
            shaped = held.reshape(call);
        } catch (IllegalArgumentException e) {
            exchange.fail(Problems.Kind.BAD_GATEWAY, e.getMessage().replace("the service", "service " + exchange.serviceId()));
            return;
        }
        bytes = shaped.length;
        HttpResponse head = held.head();
        held = null;
        down.sendHead(head, false, true);
        exchange.responseEnded();
        down.sendLast(new DefaultLastHttpContent(Unpooled.wrappedBuffer(shaped)));
    }

    void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
