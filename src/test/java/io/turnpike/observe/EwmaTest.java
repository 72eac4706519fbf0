package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EwmaTest {
    @Test
    void startsAtTheFirstSampleThenMovesAFifthOfTheWay() {
        Ewma e = new Ewma();
        assertThat(e.value()).isNaN();
        e.update(0.010);
        assertThat(e.value()).isEqualTo(0.010);
        e.update(0.060);
        assertThat(e.value()).isCloseTo(0.020, within(1e-12));
    }

    @Test
    void keepsEveryUpdateFromSeveralThreads() throws Exception {
        Ewma e = new Ewma();
        e.update(1.0);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) e.update(1.0);
            });
        }
        for (Thread t : threads) t.join();
        assertThat(e.value()).isEqualTo(1.0); // a torn or lost update would leave something else
    }
}
