package io.turnpike.config;

import io.netty.util.NetUtil;
import java.util.List;

/**
 * The proxies in front of the gateway ({@code server.trustedProxies}). When the connection comes
 * from one of them, the client is the right-most X-Forwarded-For entry that is not itself a trusted
 * proxy: entries to its left were written by whoever called it, and anyone can write those. From any
 * other peer X-Forwarded-For is ignored, so a client cannot choose its own address.
 */
public record TrustedProxies(List<Cidr> ranges) {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    /** The address a request is judged by: bytes (4 or 16) and its text. */
    public record Client(byte[] address, String ip) {}

    public TrustedProxies {
        ranges = List.copyOf(ranges);
    }

    public static TrustedProxies of(List<Cidr> ranges) {
        return ranges.isEmpty() ? NONE : new TrustedProxies(ranges);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    public boolean trusts(byte[] address) {
        for (Cidr c : ranges) {
            if (c.contains(address)) return true;
        }
        return false;
    }

    /**
     * The client behind {@code peer}: {@code null} when it is the peer itself (no trusted proxies,
     * an untrusted peer, no X-Forwarded-For). An entry that is not an IP address ends the walk:
     * the last trusted hop to its right is then the best the gateway knows.
     *
     * @param forwardedFor every X-Forwarded-For value of the request, in order
     */
    public Client resolve(byte[] peer, List<String> forwardedFor) {
        if (ranges.isEmpty() || forwardedFor.isEmpty() || !trusts(peer)) return null;
        Client last = null;
        for (int h = forwardedFor.size() - 1; h >= 0; h--) {
            String value = forwardedFor.get(h);
            int end = value.length();
            while (end > 0) {
                int comma = value.lastIndexOf(',', end - 1);
                String entry = value.substring(comma + 1, end).strip();
                end = comma < 0 ? 0 : comma;
                if (entry.isEmpty()) continue;
                byte[] addr = parse(entry);
                if (addr == null) return last;
                last = new Client(addr, NetUtil.bytesToIpAddress(addr));
                if (!trusts(addr)) return last;
            }
        }
        return last; // every hop is a trusted proxy: the furthest one is the client
    }

    /** An IP literal, also as {@code [v6]}, {@code [v6]:port} or {@code v4:port}; null otherwise (never a DNS lookup). */
    static byte[] parse(String entry) {
        String e = entry;
        if (e.startsWith("[")) {
            int close = e.indexOf(']');
            if (close < 0) return null;
            e = e.substring(1, close);
        } else if (e.indexOf(':') > 0 && e.indexOf(':') == e.lastIndexOf(':') && e.indexOf('.') > 0) {
            e = e.substring(0, e.indexOf(':')); // 203.0.113.7:4711
        }
        byte[] a = NetUtil.createByteArrayFromIpAddressString(e);
        if (a != null && a.length == 16 && isV4Mapped(a)) a = java.util.Arrays.copyOfRange(a, 12, 16);
        return a;
    }

    /** {@code ::ffff:a.b.c.d} is the IPv4 client a.b.c.d, and IPv4 ranges must match it. */
    public static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) return false;
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }
}
