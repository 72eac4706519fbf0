package io.turnpike.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.turnpike.compose.AggregateRun;
import io.turnpike.compose.ResponseShaper;
import io.turnpike.core.Problems;
import java.util.List;

/**
 * The terminal step of an aggregate route: its calls go out through {@link SubCalls} (each on the
 * one upstream engine), and the merged JSON, shaped for the client's profile, is the exchange's
 * answer ({@code Turnpike-Partial} names optional calls that failed).
 */
final class AggregateDispatch implements AggregateRun.Result {
    private final Exchange exchange;
    private final RequestCall call;
    private final Downstream down;
    private final ResponseShaper shape;
    private AggregateRun run;

    AggregateDispatch(Exchange exchange, RequestCall call, Downstream down, ProxyRoute route) {
        this.exchange = exchange;
        this.call = call;
        this.down = down;
        this.shape = route.transforms == null ? null : route.transforms.response(call.profile());
    }

    void start(Snapshot snapshot, ProxyRoute route, HttpHeaders forwarded, AttemptTrace trace) {
        EventLoop loop = down.loop();
        SubCalls calls = new SubCalls(snapshot.services(), down.context().pools().of(loop), loop, forwarded, trace,
                down.clientIp());
        run = AggregateRun.start(route.aggregation, call, calls, shape, this);
    }

    @Override
    public void json(byte[] body, List<String> missing) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        HttpHeaders oh = res.headers();
        oh.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        oh.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        oh.set(ProxyHeaders.X_REQUEST_ID, call.requestId());
        if (!missing.isEmpty()) oh.set("Turnpike-Partial", String.join(", ", missing));
        if (shape != null) shape.applyHeaders(oh, call);
        exchange.reply(null, res); // an answer the gateway makes: the same way out as a problem
    }

    @Override
    public void problem(Problems.Kind kind, String detail) {
        exchange.fail(kind, detail);
    }

    void cancel() {
        if (run != null) run.cancel();
    }
}
