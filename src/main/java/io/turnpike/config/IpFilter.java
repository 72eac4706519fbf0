package io.turnpike.config;

import java.util.List;

/**
 * A route's address rules: a client in a deny range is refused; with an allow list, a client
 * outside every allow range is refused. Matched on the connection's address.
 */
public record IpFilter(List<Cidr> allow, List<Cidr> deny) {
    public IpFilter {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    public boolean permits(byte[] address) {
        for (Cidr c : deny) {
            if (c.contains(address)) return false;
        }
        if (allow.isEmpty()) return true;
        for (Cidr c : allow) {
            if (c.contains(address)) return true;
        }
        return false;
    }
}
