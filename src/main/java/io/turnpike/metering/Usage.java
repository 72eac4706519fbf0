package io.turnpike.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Metered usage over a time range, per consumer and route.
 *
 * @param from inclusive, whole minutes
 * @param to   exclusive, whole minutes
 */
public record Usage(Instant from, Instant to, List<Line> lines) {
    /**
     * @param callsByStatusClass calls per status class ("2xx", ..., "none" when no response head went out)
     * @param cost               included units at the plan's unit price plus overage units at the
     *                           overage price, each rounded like an invoice line; zero when free
     * @param currency           the plan's currency; null when the plan has no price
     */
    public record Line(String consumer, String route, long calls, long units, long overageUnits,
                       Map<String, Long> callsByStatusClass, BigDecimal cost, String currency) {}
}
