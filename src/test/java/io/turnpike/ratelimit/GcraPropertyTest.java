package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The lock-free GCRA store against the naive model it stands for: a bucket of {@code burst}
 * calls per key, refilled continuously at one call per interval (in nanoseconds of credit, so
 * the comparison is exact), one call taken per call let in.
 */
class GcraPropertyTest {
    /** One call: time since the previous one, and which of a few keys it uses. */
    record Call(int gapMillis, int key) {}

    @Property(tries = 200)
    void decidesEveryCallLikeARefillingBucket(@ForAll @IntRange(min = 1, max = 50) int limit,
                                               @ForAll @IntRange(min = 1, max = 60) int burst,
                                               @ForAll("calls") List<Call> calls) {
        AtomicLong clock = new AtomicLong(1);
        LocalStore store = new LocalStore(10_000, clock::get);
        Limit l = LocalStoreTest.limit(limit, Duration.ofSeconds(1), burst);
        long interval = l.gcra.interval;
        long capacity = interval * burst;
        Map<Integer, long[]> model = new HashMap<>(); // key -> {credit, last time}
        for (Call c : calls) {
            clock.addAndGet(Duration.ofMillis(c.gapMillis()).toNanos());
            long now = clock.get();
            long[] b = model.computeIfAbsent(c.key(), k -> new long[] {capacity, now});
            b[0] = Math.min(capacity, b[0] + (now - b[1]));
            b[1] = now;
            boolean expected = b[0] >= interval;
            if (expected) b[0] -= interval;
            LimitOutcome o = store.decide(new Limit[] {l}, new String[] {"k" + c.key()});
            assertThat(o.allowed()).as("call at %d ns on key %d", now, c.key()).isEqualTo(expected);
            assertThat(o.remaining()).isEqualTo(b[0] / interval);
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<List<Call>> calls() {
        return net.jqwik.api.Combinators.combine(
                net.jqwik.api.Arbitraries.integers().between(0, 400),
                net.jqwik.api.Arbitraries.integers().between(0, 2)).as(Call::new).list().ofMaxSize(300);
    }
}
