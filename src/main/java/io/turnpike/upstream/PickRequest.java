package io.turnpike.upstream;

/** What a balancer may know about the request it picks a node for. */
public interface PickRequest {
    /** Bit i set = node i of the service was already tried for this request. */
    long tried();

    /** {@code priority: high} on the route: the fastest node, within its share cap. */
    boolean highPriority();

    /** A request header's value, or null (for {@code hash(header:X)}). */
    String header(String name);

    /** A cookie's value, or null (for {@code hash(cookie:Y)}). */
    String cookie(String name);

    /** The client's address (for {@code hash(ip)}). */
    String clientIp();
}
