package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.turnpike.testing.NoLeaks;
import io.turnpike.upstream.NodePool;
import io.turnpike.upstream.TestNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The end of an upstream connection, lent to an exchange or parked in its pool. */
@ExtendWith(NoLeaks.class)
class UpstreamHandlerTest {
    private NodePool pool;
    private UpstreamHandler handler;
    private EmbeddedChannel ch;
    private final Recorder exchange = new Recorder();

    /** An exchange that writes down what its connection tells it, and owns (releases) what it gets. */
    static final class Recorder implements UpstreamHandler.Receiver {
        final List<String> events = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();

        @Override
        public void onResponse(HttpObject msg) {
            if (msg instanceof HttpResponse r) events.add("head " + r.status().code());
            if (msg instanceof HttpContent c) events.add("body " + c.content().toString(StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void upstreamReadComplete() {
            events.add("read complete");
        }

        @Override
        public void upstreamWritable() {
            events.add("writable");
        }

        @Override
        public void upstreamFailed(Throwable cause, boolean gotBytes) {
            events.add("failed" + (gotBytes ? " after bytes" : ""));
            failures.add(cause);
        }
    }

    @BeforeEach
    void open() {
        pool = TestNodes.pool(TestNodes.node("a", 1));
        handler = new UpstreamHandler(pool, 0, null);
        ch = new EmbeddedChannel(handler);
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private static HttpResponse ok(HttpVersion version) {
        return new DefaultHttpResponse(version, HttpResponseStatus.OK);
    }

    private static HttpContent body(String s) {
        return new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    @Test
    void handsEveryResponsePartToTheExchangeItIsLentTo() {
        handler.attach(exchange, false);
        ch.writeInbound(ok(HttpVersion.HTTP_1_1), body("hel"), new DefaultLastHttpContent(
                Unpooled.copiedBuffer("lo", StandardCharsets.US_ASCII)));
        assertThat(exchange.events).containsExactly("head 200", "body hel", "body lo", "read complete");
        assertThat((Object) ch.readInbound()).as("nothing goes past the relay").isNull();
        assertThat(handler.reusableAfter()).isTrue();
    }

    @Test
    void aResponseSayingCloseMakesTheConnectionSingleUse() {
        handler.attach(exchange, false);
        HttpResponse r = ok(HttpVersion.HTTP_1_1);
        r.headers().set(HttpHeaderNames.CONNECTION, "close");
        ch.writeInbound(r);
        assertThat(handler.reusableAfter()).isFalse();
    }

    @Test
    void anHttp10ResponseWithoutKeepAliveMakesTheConnectionSingleUse() {
        handler.attach(exchange, false);
        ch.writeInbound(ok(HttpVersion.HTTP_1_0));
        assertThat(handler.reusableAfter()).isFalse();
    }

    @Test
    void bytesOnAnIdlePooledConnectionDiscardIt() {
        pool.release(ch);
        assertThat(pool.idle()).isEqualTo(1);
        HttpContent stray = body("stray");
        ch.writeInbound(stray);
        assertThat(stray.refCnt()).as("released").isZero();
        assertThat(ch.isOpen()).isFalse();
        assertThat(pool.idle()).as("never lent again").isZero();
        assertThat(exchange.events).isEmpty();
    }

    @Test
    void bytesAfterTheExchangeLetGoAreNotItsToSee() {
        handler.attach(exchange, true);
        handler.detach();
        ch.writeInbound(body("late"));
        assertThat(exchange.events).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aCloseWhileLentFailsTheExchangeOnce() {
        handler.attach(exchange, true);
        ch.close();
        assertThat(exchange.events).containsExactly("failed");
        assertThat(exchange.failures.get(0)).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    @Test
    void aCloseAfterTheHeadSaysBytesCameSoTheRequestIsNotRetriedBlindly() {
        handler.attach(exchange, true);
        ch.writeInbound(ok(HttpVersion.HTTP_1_1));
        ch.close();
        assertThat(exchange.events).containsExactly("head 200", "read complete", "failed after bytes");
    }

    @Test
    void anErrorFailsTheExchangeOnceAndClosesTheConnection() {
        handler.attach(exchange, false);
        IOException reset = new IOException("connection reset by peer");
        ch.pipeline().fireExceptionCaught(reset);
        assertThat(ch.isOpen()).isFalse();
        assertThat(exchange.failures).containsExactly(reset);
    }

    @Test
    void idlesOutOnlyWhileParked() {
        UpstreamHandler h = new UpstreamHandler(pool, 1000, null);
        EmbeddedChannel c = new EmbeddedChannel(h);
        c.freezeTime();
        h.attach(exchange, false);
        c.advanceTimeBy(1500, TimeUnit.MILLISECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).as("lent: the exchange's own deadline rules").isTrue();
        c.writeInbound(ok(HttpVersion.HTTP_1_1));
        h.detach();
        c.advanceTimeBy(900, TimeUnit.MILLISECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).as("parked, but read 900 ms ago").isTrue();
        c.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).as("parked and quiet for 1,100 ms").isFalse();
        assertThat(exchange.events).containsExactly("head 200", "read complete");
        c.finishAndReleaseAll();
    }

    @Test
    void aConnectionTakenOverByATunnelIsNoLongerWatchedForPoolIdleness() {
        UpstreamHandler h = new UpstreamHandler(pool, 1000, null);
        EmbeddedChannel c = new EmbeddedChannel(h);
        c.freezeTime();
        c.pipeline().replace(h, "tunnel", new io.netty.channel.ChannelInboundHandlerAdapter());
        c.advanceTimeBy(5, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).as("the tunnel's idle rules apply, not the pool's").isTrue();
        c.finishAndReleaseAll();
    }

    @Test
    void anHttp2StreamNeverIdlesOutByItself() {
        // its connection idles in the H2 pool; the stream's relay keeps no clock
        ch.freezeTime();
        ch.advanceTimeBy(1, TimeUnit.HOURS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void tellsTheExchangeWhenItMaySendAgain() {
        handler.attach(exchange, false);
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        ch.write(Unpooled.copiedBuffer("a request body", StandardCharsets.US_ASCII));
        assertThat(ch.isWritable()).isFalse();
        assertThat(exchange.events).as("not while the buffer is full").isEmpty();
        ch.flush();
        assertThat(ch.isWritable()).isTrue();
        assertThat(exchange.events).containsExactly("writable");
        ReferenceCountUtil.release(ch.readOutbound());
    }
}
