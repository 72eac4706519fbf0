package io.turnpike.ratelimit;

import io.netty.util.NetUtil;
import io.turnpike.config.TrustedProxies;

/**
 * The {@code ip} part of a rate-limit key. An IPv4 client is its address; an IPv6 client is the
 * prefix it sits in ({@code server.limits.rateLimitIpv6Prefix}, /64 by default), since one host
 * usually holds a whole /64 and could otherwise take a fresh key, and a fresh budget, per call.
 * An IPv4-mapped address ({@code ::ffff:a.b.c.d}) counts as the IPv4 client it is.
 */
final class IpKey {
    private IpKey() {}

    /**
     * @param address the client's address bytes (4 or 16; anything else is taken as is)
     * @param text    the same address as text, returned for an IPv4 client (nothing allocated)
     * @param prefix  the IPv6 prefix length, 1..128
     */
    static String of(byte[] address, String text, int prefix) {
        if (address.length != 16) return text;
        if (TrustedProxies.isV4Mapped(address)) return NetUtil.bytesToIpAddress(address, 12, 4);
        if (prefix >= 128) return text;
        byte[] masked = new byte[16];
        int whole = prefix / 8;
        System.arraycopy(address, 0, masked, 0, whole);
        int rest = prefix % 8;
        if (rest != 0) masked[whole] = (byte) (address[whole] & (0xFF << (8 - rest)));
        return NetUtil.bytesToIpAddress(masked) + "/" + prefix;
    }
}
