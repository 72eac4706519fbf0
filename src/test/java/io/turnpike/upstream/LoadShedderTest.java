package io.turnpike.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoadShedderTest {

    @Test
    void shedsNormalCallsAtTheLimitAndLetsHighPriorityThroughUpToTheHardCap() {
        LoadShedder s = new LoadShedder(10);
        for (int i = 0; i < 10; i++) assertThat(s.admit(false, 0)).isNull();
        Admission refused = s.admit(false, 0);
        assertThat(refused.reason()).isEqualTo(Admission.Reason.OVERLOADED);
        assertThat(refused.retryAfterNanos()).isPositive();
        assertThat(s.admit(true, 0)).isNull();
        assertThat(s.admit(true, 0)).isNull();
        assertThat(s.admit(true, 0)).isNotNull(); // 1.2 x 10 = 12 at most
        assertThat(s.inFlight()).isEqualTo(12);
        for (int i = 0; i < 3; i++) s.onRequestEnd();
        assertThat(s.admit(false, 0)).isNull();
    }

    @Test
    void zeroTurnsSheddingOff() {
        LoadShedder s = new LoadShedder(0);
        for (int i = 0; i < 10_000; i++) assertThat(s.admit(false, 0)).isNull();
        s.onRequestEnd();
        assertThat(s.inFlight()).isZero();
    }

    @Test
    void aTinyLimitStillLeavesHighPriorityOneMore() {
        LoadShedder s = new LoadShedder(1);
        assertThat(s.admit(false, 0)).isNull();
        assertThat(s.admit(false, 0)).isNotNull();
        assertThat(s.admit(true, 0)).isNull();
        assertThat(s.admit(true, 0)).isNotNull();
    }
}
