package io.turnpike.upstream.breaker;

import java.time.Instant;

/**
 * One transition of a circuit breaker, kept for the admin API.
 *
 * @param who    {@code auto} for the thresholds, else the operator ({@code admin})
 * @param reason why, in words ("failure rate 60% over 20 calls")
 */
public record CircuitEvent(Instant at, CircuitState from, CircuitState to, String who, String reason) {}
