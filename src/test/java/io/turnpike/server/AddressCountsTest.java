package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressCountsTest {

    @Test
    void refusesPastTheLimitAndForgetsAnAddressWhoseLastConnectionClosed() throws Exception {
        AddressCounts counts = new AddressCounts();
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("2001:db8::1");
        assertThat(counts.tryAcquire(a, 2)).isTrue();
        assertThat(counts.tryAcquire(a, 2)).isTrue();
        assertThat(counts.tryAcquire(a, 2)).as("third from the same address").isFalse();
        assertThat(counts.count(a)).as("a refusal is not counted").isEqualTo(2);
        assertThat(counts.tryAcquire(b, 2)).isTrue();
        counts.release(a);
        assertThat(counts.tryAcquire(a, 2)).isTrue();
        counts.release(a);
        counts.release(a);
        counts.release(b);
        assertThat(counts.addresses()).as("no entry left for addresses with no connection").isZero();
    }
}
