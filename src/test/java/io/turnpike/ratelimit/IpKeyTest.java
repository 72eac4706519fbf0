package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

/** The {@code ip} part of a rate-limit key: IPv4 as it is, IPv6 by its prefix, mapped IPv4 as IPv4. */
class IpKeyTest {
    private static String key(String address, int prefix) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        return IpKey.of(bytes, NetUtil.bytesToIpAddress(bytes), prefix);
    }

    @Test
    void twoAddressesOfOneSlash64ShareAKeyAndTheNextSlash64DoesNot() {
        assertThat(key("2001:db8:1:2::1", 64)).isEqualTo("2001:db8:1:2::/64")
                .isEqualTo(key("2001:db8:1:2:ffff:ffff:ffff:ffff", 64))
                .isEqualTo(key("2001:db8:1:2:abcd::77", 64));
        assertThat(key("2001:db8:1:3::1", 64)).isEqualTo("2001:db8:1:3::/64");
    }

    @Test
    void thePrefixLengthIsConfigurableToTheBit() {
        assertThat(key("2001:db8:1:2::1", 48)).isEqualTo(key("2001:db8:1:ffff::1", 48)).isEqualTo("2001:db8:1::/48");
        // /60: the last nibble of the fourth group is the host's
        assertThat(key("2001:db8:1:2f::1", 60)).isEqualTo(key("2001:db8:1:20::1", 60)).isEqualTo("2001:db8:1:20::/60");
        assertThat(key("2001:db8:1:3f::1", 60)).isNotEqualTo(key("2001:db8:1:2f::1", 60));
        assertThat(key("2001:db8::1", 128)).isEqualTo("2001:db8::1").isNotEqualTo(key("2001:db8::2", 128));
        assertThat(key("8001::1", 1)).isEqualTo("8000::/1");
    }

    @Test
    void anIpv4MappedAddressCountsAsItsIpv4Client() {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = (byte) 203;
        mapped[14] = (byte) 113;
        mapped[15] = 7;
        assertThat(IpKey.of(mapped, "::ffff:203.0.113.7", 64)).isEqualTo("203.0.113.7").isEqualTo(key("203.0.113.7", 64));
    }

    @Test
    void anIpv4KeyIsTheAddressTextItself() {
        String text = "198.51.100.9";
        assertThat(IpKey.of(new byte[] {(byte) 198, 51, 100, 9}, text, 64)).isSameAs(text);
    }
}
