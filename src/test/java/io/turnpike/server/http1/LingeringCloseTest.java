package io.turnpike.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;
import io.turnpike.testing.NoLeaks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Closing after a last answer: the answer goes out whole, the output is then shut down (a FIN,
 * not a reset), what the client still sends is read and thrown away, and the connection closes
 * within the idle, total and byte bounds.
 */
@ExtendWith(NoLeaks.class)
class LingeringCloseTest {
    private HalfClosable ch;

    /**
     * EmbeddedChannel is not a {@link DuplexChannel}, so it cannot half-close; this one can, the
     * way a TCP socket does, and remembers that its output was shut down.
     */
    static final class HalfClosable extends EmbeddedChannel implements DuplexChannel {
        boolean outputShutdown;
        boolean inputShutdown;

        HalfClosable(ChannelHandler... handlers) {
            super(handlers);
        }

        @Override public boolean isInputShutdown() { return inputShutdown; }
        @Override public ChannelFuture shutdownInput() { return shutdownInput(newPromise()); }
        @Override public ChannelFuture shutdownInput(ChannelPromise p) {
            inputShutdown = true;
            return p.setSuccess();
        }
        @Override public boolean isOutputShutdown() { return outputShutdown; }
        @Override public ChannelFuture shutdownOutput() { return shutdownOutput(newPromise()); }
        @Override public ChannelFuture shutdownOutput(ChannelPromise p) {
            outputShutdown = true;
            return p.setSuccess();
        }
        @Override public boolean isShutdown() { return inputShutdown && outputShutdown; }
        @Override public ChannelFuture shutdown() { return shutdown(newPromise()); }
        @Override public ChannelFuture shutdown(ChannelPromise p) {
            inputShutdown = true;
            outputShutdown = true;
            return p.setSuccess();
        }
    }

    @BeforeEach
    void open() {
        ch = new HalfClosable(new ChannelInboundHandlerAdapter()); // stands for the codec and proxy behind
        ch.freezeTime(); // scheduled tasks run only when a test moves the clock
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Lingers after an answer whose write already succeeded. */
    private void lingerAfterAnswer() {
        LingeringClose.after(ch, ch.newSucceededFuture());
    }

    /** Lets {@code d} pass on the channel's clock, the one LingeringClose measures with. */
    private void elapse(Duration d) {
        ch.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void shutsDownTheOutputOnlyOnceTheAnswerIsWritten() {
        ChannelPromise answered = ch.newPromise();
        LingeringClose.after(ch, answered);
        assertThat(ch.outputShutdown).as("while the answer is being written").isFalse();
        answered.setSuccess();
        assertThat(ch.outputShutdown).isTrue();
        assertThat(ch.isOpen()).as("still reading what the client sends").isTrue();
    }

    @Test
    void closesAtOnceWhenTheAnswerCouldNotBeWritten() {
        ChannelPromise answered = ch.newPromise();
        LingeringClose.after(ch, answered);
        answered.setFailure(new IOException("broken pipe"));
        assertThat(ch.isOpen()).isFalse();
        assertThat(ch.outputShutdown).isFalse();
    }

    @Test
    void readsAndDropsWhatTheClientStillSends() {
        lingerAfterAnswer();
        ByteBuf rest = bytes("the rest of a refused upload");
        ch.writeInbound(rest);
        assertThat(rest.refCnt()).as("released").isZero();
        assertThat((Object) ch.readInbound()).as("nothing reaches the handlers behind").isNull();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void readsAgainWhenBackPressureHadPausedReading() {
        ch.config().setAutoRead(false);
        lingerAfterAnswer();
        assertThat(ch.config().isAutoRead()).as("the kernel buffer must drain").isTrue();
    }

    @Test
    void closesPastMaxBytesDiscarded() {
        lingerAfterAnswer();
        byte[] mib = new byte[1024 * 1024];
        for (long sent = 0; sent < LingeringClose.MAX_BYTES; sent += mib.length) {
            ch.writeInbound(Unpooled.wrappedBuffer(mib));
        }
        assertThat(ch.isOpen()).as("at exactly the bound").isTrue();
        ch.writeInbound(bytes("x"));
        assertThat(ch.isOpen()).as("one byte over").isFalse();
    }

    @Test
    void closesAfterTheIdleTimeWithoutAByte() {
        lingerAfterAnswer();
        long idleMillis = TimeUnit.NANOSECONDS.toMillis(LingeringClose.IDLE_NANOS);
        elapse(Duration.ofMillis(idleMillis - 100));
        assertThat(ch.isOpen()).isTrue();
        elapse(Duration.ofMillis(200));
        assertThat(ch.isOpen()).isFalse();
    }

    /** Bytes now and then postpone the idle bound but not the total one: a client cannot hold on. */
    @Test
    void closesAfterTheTotalTimeHoweverOftenTheClientSends() {
        lingerAfterAnswer();
        Duration step = Duration.ofNanos(LingeringClose.IDLE_NANOS * 3 / 4);
        long totalMillis = TimeUnit.NANOSECONDS.toMillis(LingeringClose.TOTAL_NANOS);
        long passed = 0;
        while (passed + step.toMillis() < totalMillis) {
            elapse(step);
            passed += step.toMillis();
            assertThat(ch.isOpen()).as("after %d ms", passed).isTrue();
            ch.writeInbound(bytes("more"));
        }
        elapse(Duration.ofMillis(totalMillis - passed + 100));
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void closesOnAResetWhileLingering() {
        lingerAfterAnswer();
        ch.pipeline().fireExceptionCaught(new IOException("connection reset by peer"));
        assertThat(ch.isOpen()).isFalse();
        ch.checkException(); // nothing reached the end of the pipeline
    }

    @Test
    void aSecondLastAnswerKeepsTheFirstLinger() {
        lingerAfterAnswer();
        LingeringClose.after(ch, ch.newSucceededFuture());
        ch.writeInbound(bytes("more"));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void closesAfterTheAnswerWhenTheChannelCannotHalfClose() {
        EmbeddedChannel plain = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        try {
            ChannelPromise answered = plain.newPromise();
            LingeringClose.after(plain, answered);
            assertThat(plain.isOpen()).as("while the answer is being written").isTrue();
            answered.setSuccess();
            assertThat(plain.isOpen()).isFalse();
        } finally {
            plain.finishAndReleaseAll();
        }
    }
}
