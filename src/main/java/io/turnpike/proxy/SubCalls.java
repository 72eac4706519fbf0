package io.turnpike.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.turnpike.compose.Fetcher;
import io.turnpike.compose.ProfilePolicy;
import io.turnpike.upstream.LoopPool;
import io.turnpike.upstream.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The aggregation's way upstream for one exchange: each call is a {@link SubCall} on the
 * exchange's event loop, carrying the client's identity (request id, consumer, profile, the
 * forwarding headers); each try at a node is its own span of the exchange's trace.
 */
final class SubCalls implements Fetcher {
    private static final CharSequence[] IDENTITY = {ProxyHeaders.X_REQUEST_ID, ProxyHeaders.X_CONSUMER_ID,
        ProxyHeaders.X_CONSUMER_GROUPS, ProfilePolicy.X_CLIENT_PROFILE, ProxyHeaders.X_FORWARDED_FOR,
        ProxyHeaders.X_FORWARDED_PROTO, ProxyHeaders.X_FORWARDED_HOST, ProxyHeaders.FORWARDED,
        HttpHeaderNames.VIA, HttpHeaderNames.ACCEPT_LANGUAGE};

    private final Map<String, Service> services;
    private final LoopPool pools;
    private final EventLoop loop;
    private final HttpHeaders identity;
    private final AttemptTrace trace;
    private final String clientIp;
    private final List<SubCall> running = new ArrayList<>(4);

    /** @param forwarded the client's request head after forwarding headers were added */
    SubCalls(Map<String, Service> services, LoopPool pools, EventLoop loop, HttpHeaders forwarded,
             AttemptTrace trace, String clientIp) {
        this.services = services;
        this.pools = pools;
        this.loop = loop;
        this.trace = trace;
        this.clientIp = clientIp;
        this.identity = new io.netty.handler.codec.http.DefaultHttpHeaders(false);
        for (CharSequence name : IDENTITY) {
            List<String> v = forwarded.getAll(name);
            if (!v.isEmpty()) identity.set(name, v);
        }
    }

    @Override
    public void fetch(Call call, Callback callback) {
        Service service = services.get(call.service());
        if (service == null) { // the config named it, so only a reload race can get here
            callback.failed(Failure.UNAVAILABLE, "service " + call.service() + " is not configured");
            return;
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(call.method()),
                call.uri(), call.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(call.body()));
        HttpHeaders h = req.headers();
        h.set(identity);
        h.set(HttpHeaderNames.ACCEPT, "application/json");
        h.set(HttpHeaderNames.ACCEPT_ENCODING, "gzip");
        if (call.body() != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        if (call.body() != null || !call.method().equals("GET")) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, call.body() == null ? 0 : call.body().length);
        }
        long timeout = call.timeoutNanos();
        long own = service.timeouts().request().toNanos();
        Call bounded = own > 0 && own < timeout ? new Call(call.name(), call.service(), call.method(), call.uri(),
                call.body(), own, call.maxBytes()) : call;
        SubCall[] self = new SubCall[1];
        self[0] = new SubCall(service, pools, loop, req, bounded, callback, clientIp, trace,
                () -> running.remove(self[0]));
        running.add(self[0]);
        self[0].start();
    }

    @Override
    public void cancelAll() {
        for (SubCall c : new ArrayList<>(running)) c.cancel();
        running.clear();
    }
}
