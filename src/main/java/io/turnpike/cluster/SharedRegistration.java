package io.turnpike.cluster;

/**
 * A node registered with the fleet: {@code node} is its {@code host:port}; {@code remainingMillis}
 * is what is left of its time to live when it was read, by the store's clock (so the gateways'
 * clocks need not agree).
 */
record SharedRegistration(String service, String node, String url, int weight, long remainingMillis) {}
