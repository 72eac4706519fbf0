package io.turnpike.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens, in order, when the JVM is asked to stop (SIGTERM, SIGINT, Ctrl-C): each step runs
 * once in a shutdown hook; a step that fails is logged and the next one still runs.
 */
final class ShutdownSequence {
    private static final Logger log = LoggerFactory.getLogger(ShutdownSequence.class);

    /** One step; may throw, like {@link AutoCloseable#close}. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private record Named(String what, Step step) {}

    private final List<Named> steps = new ArrayList<>();
    private final CountDownLatch done = new CountDownLatch(1);

    ShutdownSequence then(String what, Step step) {
        steps.add(new Named(what, step));
        return this;
    }

    /** Installs the hook that runs the steps when the JVM is asked to stop. */
    ShutdownSequence install() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::runSteps, "turnpike-shutdown"));
        return this;
    }

    /** Blocks until the hook has run. */
    void await() throws InterruptedException {
        done.await();
    }

    private void runSteps() {
        try {
            for (Named named : steps) {
                try {
                    named.step().run();
                } catch (Exception e) {
                    log.error("shutdown: {} failed: {}", named.what(), e.toString());
                }
            }
            log.info("stopped");
        } finally {
            done.countDown();
        }
    }
}
