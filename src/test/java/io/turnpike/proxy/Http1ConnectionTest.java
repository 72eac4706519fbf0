package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.turnpike.config.Limits;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client connection's pipeline (codec and handler) on an EmbeddedChannel, with a config that has
 * no routes: every request is answered locally, so no upstream is needed. What is pinned here is
 * the connection's own clock: the header timeout, the keep-alive idle time, and a silent close of
 * a connection that never sent a byte.
 */
@ExtendWith(NoLeaks.class)
class Http1ConnectionTest {
    // The defaults' size: the channel's clock is advanced by hand, so a test waits for none of it.
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private ProxyContext context;
    private io.turnpike.server.Serving serving;
    private EmbeddedChannel ch;

    @BeforeEach
    void open() {
        Limits d = Limits.DEFAULT;
        Limits limits = new Limits(d.maxHeaderBytes(), d.maxUriBytes(), d.maxBodyBytes(), HEADER_TIMEOUT,
                IDLE_TIMEOUT, d.maxConnections(), d.rateLimitKeys(), d.maxHeaders(), d.headersWithUnderscores(),
                d.maxConnectionsPerIp(), d.minRequestBodyRate(), d.rateLimitIpv6Prefix());
        serving = io.turnpike.server.Serving.compile(TestConfigs.gateway().limits(limits).build(), null);
        context = new ProxyContext(serving.snapshot());
        ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                ProxyPipelines.initClient(c, context, limits);
            }
        });
        ch.freezeTime();
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        serving.rateLimiting().close();
    }

    private void send(String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
    }

    /** Everything written to the client since the last call. */
    private String wire() {
        StringBuilder s = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            s.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return s.toString();
    }

    /** Lets {@code d} pass on the channel's clock, the one every deadline of the connection reads. */
    private void elapse(Duration d) {
        ch.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void answersEachPipelinedRequestInOrderOnOneConnection() {
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        String out = wire();
        assertThat(out.split("HTTP/1.1 404 ", -1)).as("two answers").hasSize(3);
        assertThat(out.indexOf("no route for GET /a")).isNotNegative().isLessThan(out.indexOf("no route for GET /b"));
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void answers408WhenAHeadIsNotFinishedInTime() {
        send("GET / HTTP/1.1\r\nHost: x\r\n");
        elapse(HEADER_TIMEOUT.minusMillis(100));
        assertThat(wire()).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        elapse(Duration.ofMillis(200));
        String out = wire();
        assertThat(out).startsWith("HTTP/1.1 408 ").contains("connection: close")
                .contains("application/problem+json");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void closesSilentlyAConnectionThatNeverSendsAByte() {
        elapse(HEADER_TIMEOUT.plusMillis(100));
        assertThat(wire()).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void closesAnIdleKeepAliveConnectionAfterTheIdleTime() {
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(wire()).startsWith("HTTP/1.1 404 ");
        elapse(IDLE_TIMEOUT.minusMillis(150));
        assertThat(ch.isOpen()).as("idle less than the idle time (longer than the header timeout)").isTrue();
        elapse(Duration.ofMillis(300));
        assertThat(wire()).as("an idle close owes no answer").isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void theHeaderClockStartsWithTheNextRequestsFirstByte() {
        send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(wire()).startsWith("HTTP/1.1 404 ");
        elapse(IDLE_TIMEOUT.minusMillis(150));
        send("GET /b HTTP/1.1\r\n");
        elapse(HEADER_TIMEOUT.minusMillis(100));
        assertThat(ch.isOpen()).as("past the idle time, within the header time").isTrue();
        assertThat(wire()).isEmpty();
        elapse(Duration.ofMillis(200));
        assertThat(wire()).startsWith("HTTP/1.1 408 ");
        assertThat(ch.isOpen()).isFalse();
    }
}
