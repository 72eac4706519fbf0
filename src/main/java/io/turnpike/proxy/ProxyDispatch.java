package io.turnpike.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.turnpike.core.Problems;
import io.turnpike.upstream.Admission;
import io.turnpike.upstream.Node;

/**
 * The terminal step of a proxied route: the request goes to the route's service through one
 * {@link UpstreamRequest} (its tries, nodes and connection), the body follows it, and the
 * response comes back to the exchange's relay. It is the engine's {@link UpstreamCaller}.
 */
final class ProxyDispatch implements UpstreamCaller {
    private final Exchange exchange;
    private final RequestCall call;
    private final HttpRequest request;
    private final RequestBody body;
    private final Downstream down;
    private final ProxyRoute route;
    private final UpstreamRequest upstream;
    private final ResponseRelay relay;
    private boolean expectContinue;

    ProxyDispatch(Exchange exchange, RequestCall call, HttpRequest request, RequestBody body, Downstream down,
            ProxyRoute route, AttemptTrace trace, boolean expectContinue) {
        this.exchange = exchange;
        this.call = call;
        this.request = request;
        this.body = body;
        this.down = down;
        this.route = route;
        this.expectContinue = expectContinue;
        this.upstream = new UpstreamRequest(route.service, down.context().pools().of(down.loop()), down.loop(), this,
                trace, request.method().name(), route.spec.highPriority(), route.spec.retryNonIdempotent());
        this.relay = new ResponseRelay(exchange, call, down, io.netty.handler.codec.http.HttpMethod.HEAD.equals(request.method()));
    }

    /** Response body bytes sent to the client so far. */
    long relayed() { return relay.bytes(); }

    /** A reshaped response is being held: nothing of it reached the client yet. */
    boolean holding() { return relay.holding(); }

    /** The exchange ended: a held response is released. */
    void release() { relay.release(); }

    /** The client drained what it was sent: read the node's response again. */
    void clientWritable() { upstream.readResponse(true); }

    UpstreamRequest upstream() { return upstream; }

    void start() { upstream.start(); }

    @Override public HttpHeaders headers() { return request.headers(); }
    @Override public String header(String name) { return request.headers().get(name); }
    @Override public String cookie(String name) { return Forwarding.cookie(request.headers(), name); }
    @Override public String clientIp() { return call.clientIp(); }
    @Override public HttpRequest head(Node node) { return request; }
    @Override public boolean bodiless() { return !body.present(); }
    @Override public boolean requestComplete() { return body.complete(); }
    @Override public long deadline() { return exchange.deadline(); }
    @Override public void timer(long nanos) { down.deadline(nanos); }
    @Override public void upstreamWritable() { down.readMore(); }
    @Override public void upstreamReadComplete() { down.flush(); }

    /** The service said no (breaker open, or overloaded): the route's fallback, or 503 with Retry-After. */
    @Override
    public void refused(Admission admission) {
        exchange.reply(LocalReplies.refusalKind(admission), LocalReplies.refusal(down.alloc(), admission,
                route.spec.fallback(), route.service.id(), call.requestId()));
    }

    @Override
    public void connected(long now) {
        exchange.upstreamStarted(now);
    }

    @Override
    public void sendBody(Channel ch) {
        if (expectContinue && !body.complete()) {
            expectContinue = false;
            down.sendContinue();
        }
        body.writePending(upstream, ch);
        if (upstream.channel() == ch && !down.reading()) {
            // Inside a client read the flush waits for the read's end (Exchange.readEnded): a
            // malformed body in the same read then fails the request before any byte reaches the node.
            ch.flush();
        }
        down.readMore();
    }

    @Override
    public void responseHead(HttpResponse res) {
        exchange.responding(res.status().code());
        relay.head(res, route);
    }

    @Override
    public boolean switchProtocols(HttpResponse res) {
        return exchange.switchProtocols(res);
    }

    @Override
    public void responseContent(HttpContent c) {
        if (!relay.content(c) && !exchange.done()) {
            upstream.readResponse(false); // the client is slower: let the node wait
        }
    }

    /** No try at the service is left: answer the client, or cut it off when its response began. */
    @Override
    public void failed(UpstreamCaller.Failure failure, String detail) {
        switch (failure) {
            case NO_NODE -> exchange.fail(Problems.Kind.NO_NODE, detail);
            case CONNECT_TIMEOUT -> exchange.fail(Problems.Kind.GATEWAY_TIMEOUT, detail);
            case CONNECT_FAILED -> exchange.fail(Problems.Kind.BAD_GATEWAY, detail);
            case RESET, TIMEOUT -> {
                if (exchange.responding() && !relay.holding()) {
                    exchange.cutOff();
                } else {
                    exchange.fail(failure == UpstreamCaller.Failure.RESET ? Problems.Kind.BAD_GATEWAY
                            : Problems.Kind.GATEWAY_TIMEOUT, detail);
                }
            }
        }
    }
}
