package io.turnpike.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.turnpike.config.ServiceSpec;
import io.turnpike.testing.TestBackend;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.TestNodes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The checker's own timing: what a slow start of the gateway must not break. */
class HealthCheckerTest {
    private static final ServiceSpec.HealthCheck CHECK =
            new ServiceSpec.HealthCheck("/health", Duration.ofMillis(50), Duration.ofMillis(500), 2, 2);

    /**
     * A scheduler whose first run of a periodic task happens inside the call that schedules it,
     * and which returns only once that run's answer had time to come back: the first check's
     * answer then arrives before the checker's constructor has its task (on a busy machine this
     * happens by chance).
     */
    private static ScheduledExecutorService firstRunBeforeReturning(ScheduledExecutorService real) {
        return new java.util.concurrent.ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
                command.run();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return real.scheduleWithFixedDelay(command, delay, delay, unit);
            }
        };
    }

    @Test
    void aFirstAnswerBackBeforeTheCheckerIsBuiltDoesNotStopTheChecks() throws Exception {
        ScheduledExecutorService real = Executors.newSingleThreadScheduledExecutor();
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ScheduledExecutorService odd = firstRunBeforeReturning(real);
        try (TestBackend a = new TestBackend("a")) {
            Node node = TestNodes.at(a.port());
            HealthChecker checker = new HealthChecker("svc", CHECK, List.of(node), new HealthProbe(io), odd);
            int first = a.healthChecks.get();
            assertThat(first).as("the first check ran, and its answer came back").isEqualTo(1);
            a.failWith = 503;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (!node.health().checkedDown() && System.nanoTime() < until) Thread.sleep(20);
            assertThat(node.health().checkedDown()).as("checks went on after the first: the node's 503s took it out").isTrue();
            assertThat(a.healthChecks.get()).isGreaterThan(first + 1);
            checker.stop();
        } finally {
            odd.shutdownNow();
            real.shutdownNow();
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void noAnswerCountsOnceTheCheckerIsStopped() throws Exception {
        ScheduledExecutorService real = Executors.newSingleThreadScheduledExecutor();
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (TestBackend a = new TestBackend("a", 300)) { // every answer takes 300 ms
            a.failWith = 503;
            Node node = TestNodes.at(a.port());
            HealthChecker checker = new HealthChecker("svc",
                    new ServiceSpec.HealthCheck("/health", Duration.ofMillis(50), Duration.ofSeconds(2), 1, 1),
                    List.of(node), new HealthProbe(io), real);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (a.connections.get() == 0 && System.nanoTime() < until) Thread.sleep(5); // the first check is in
            checker.stop(); // its 503 comes after this
            Thread.sleep(600);
            assertThat(a.healthChecks.get()).as("the check was answered").isEqualTo(1);
            assertThat(node.health().checkedDown()).as("a stopped checker's late answer").isFalse();
        } finally {
            real.shutdownNow();
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
