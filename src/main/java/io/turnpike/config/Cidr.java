package io.turnpike.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range such as {@code 10.0.0.0/8} or {@code 2001:db8::/32} (a bare address = one host). */
public record Cidr(byte[] network, int prefix, String text) {

    /** @throws IllegalArgumentException when {@code text} is not an IP address or range */
    public static Cidr parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (addr.isEmpty() || !(Character.digit(addr.charAt(0), 16) >= 0 || addr.charAt(0) == ':')) {
            throw new IllegalArgumentException(text);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress(); // a literal: no lookup happens
        } catch (UnknownHostException | SecurityException e) {
            throw new IllegalArgumentException(text);
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(text);
            }
            if (prefix < 0 || prefix > bytes.length * 8) throw new IllegalArgumentException(text);
        }
        return new Cidr(bytes, prefix, t);
    }

    public boolean contains(byte[] address) {
        if (address.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) return false;
        }
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }
}
