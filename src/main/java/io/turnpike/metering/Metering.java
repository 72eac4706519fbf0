package io.turnpike.metering;

import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.PlanSpec;
import io.turnpike.core.ExchangeObserver;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metering for one running gateway: the {@link #observer()} to hand the gateway, the {@link
 * #quotas()} its policy chains read, and the read API the admin endpoints and a dashboard use:
 * {@link #quota} (in memory, any thread, never blocks), {@link #usage} and {@link #invoice}
 * (answered by the ledger thread after a flush, so they include every call metered so far).
 * Open it before the gateway starts and close it after the gateway has drained: closing writes
 * what is still in memory.
 */
public final class Metering implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Metering.class);
    /**
     * How often metered calls are written to the ledger. A {@code kill -9} loses the calls that
     * ended since the last batch committed: under half a second, so within the promised second.
     */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(500);
    /** What the documentation promises a {@code kill -9} loses at most: the calls of the last second. */
    public static final Duration LOSS_BOUND = Duration.ofSeconds(1);

    private final Clock clock;
    private final Quotas quotas;
    private final Meter meter;
    private final LedgerWriter writer;

    Metering(GatewayConfig config, Clock clock, Ledger ledger, Duration flushInterval) throws Exception {
        this.clock = clock;
        this.quotas = new Quotas(clock);
        seed(config, ledger);
        this.meter = new Meter(quotas, config);
        this.writer = new LedgerWriter(meter, ledger, flushInterval);
        // A fleet counter Redis does not have yet starts from the ledger (after a flush: with this node's calls).
        quotas.ledger((consumer, periodStart) -> writer.read(() -> units(ledger, consumer, periodStart)));
    }

    /** Opens the ledger {@code config.storage()} names (SQLite in dataDir by default). */
    public static Metering open(GatewayConfig config) throws Exception {
        return open(config, Clock.systemUTC(), FLUSH_INTERVAL);
    }

    public static Metering open(GatewayConfig config, Clock clock, Duration flushInterval) throws Exception {
        String url = config.storage().ledger();
        // SQLite connects at the first metered batch (or at once, below, to seed quotas), off the start's path.
        Ledger ledger = url == null ? JdbcLedger.sqliteOnFirstUse(config.storage().dataDir().resolve("ledger.db"))
                : JdbcLedger.postgresql(url);
        try {
            Metering m = new Metering(config, clock, ledger, flushInterval);
            log.info("usage ledger: {} (flushed every {} ms)", ledger.describe(), flushInterval.toMillis());
            return m;
        } catch (Exception e) {
            ledger.close();
            throw e;
        }
    }

    /** Quota counts continue where the ledger says the current period stands. */
    private void seed(GatewayConfig config, Ledger ledger) throws Exception {
        long now = clock.millis();
        for (Map.Entry<String, PlanSpec> e : Quotas.limitedPlans(config).entrySet()) {
            QuotaPeriod period = QuotaPeriod.of(e.getValue().quota(), now);
            long units = units(ledger, e.getKey(), period.start());
            if (units > 0) quotas.counter(e.getKey()).seed(period.start(), units);
        }
    }

    /** A consumer's units in the ledger since {@code periodStart}. Blocks: at start, or on the ledger thread. */
    private static long units(Ledger ledger, String consumer, long periodStart) throws Exception {
        long units = 0;
        for (UsageCounts c : ledger.usage(consumer, null, periodStart / 60_000, Long.MAX_VALUE).values()) units += c.units();
        return units;
    }

    /** Tells the meter about every exchange; hand it to the gateway (with the other observers). */
    public ExchangeObserver observer() {
        return meter;
    }

    /** The quota counts, for {@code Gateway.start(config, observer, quotas)}. */
    public Quotas quotas() {
        return quotas;
    }

    /** Calls counted since start, and how many of them are in the ledger. */
    public long meteredCalls() {
        return meter.billedCalls();
    }

    public long flushedCalls() {
        return writer.flushedCalls();
    }

    private PlanSpec plan(String consumer) {
        return meter.plan(consumer);
    }

    /** Whether the running config knows this consumer. */
    public boolean knows(String consumer) {
        return meter.knows(consumer);
    }

    /** The consumers whose plan has a quota, in config order. */
    public List<String> consumersWithQuota() {
        GatewayConfig config = meter.config();
        Map<String, PlanSpec> limited = Quotas.limitedPlans(config);
        return config.consumers().stream().map(ConsumerSpec::id).filter(limited::containsKey).toList();
    }

    /** A consumer's quota now; empty when it is unknown or its plan has no quota. Never blocks. */
    public Optional<QuotaStatus> quota(String consumer) {
        PlanSpec plan = plan(consumer);
        if (plan == null || plan.quota() == null) return Optional.empty();
        PlanSpec.Quota q = plan.quota();
        QuotaPeriod period = QuotaPeriod.of(q, clock.millis());
        long used = quotas.used(consumer, q);
        return Optional.of(new QuotaStatus(consumer, plan.id(), q.units(), q.period(), used,
                Math.max(0, q.units() - used), Instant.ofEpochMilli(period.start()), period.resetsAt(), plan.overage()));
    }

    /**
     * Usage per consumer and route between {@code from} (inclusive, rounded down to the minute)
     * and {@code to} (exclusive, rounded up); null consumer or route = all.
     */
    public CompletableFuture<Usage> usage(String consumer, String route, Instant from, Instant to) {
        long fromMinute = Math.floorDiv(from.toEpochMilli(), 60_000);
        long toMinute = Math.floorDiv(to.toEpochMilli() + 59_999, 60_000);
        return writer.read(() -> writer.ledger().usage(consumer, route, fromMinute, toMinute)).thenApply(rows -> {
            Map<List<String>, UsageCounts> sums = new LinkedHashMap<>();
            Map<List<String>, Map<String, Long>> byClass = new LinkedHashMap<>();
            for (Map.Entry<UsageKey, UsageCounts> e : rows.entrySet()) {
                List<String> k = List.of(e.getKey().consumer(), e.getKey().route());
                sums.merge(k, e.getValue(), UsageCounts::plus);
                int sc = e.getKey().statusClass();
                byClass.computeIfAbsent(k, x -> new LinkedHashMap<>())
                        .merge(sc == 0 ? "none" : sc + "xx", e.getValue().calls(), Long::sum);
            }
            List<Usage.Line> lines = new ArrayList<>();
            sums.forEach((k, c) -> {
                PlanSpec plan = plan(k.get(0));
                lines.add(new Usage.Line(k.get(0), k.get(1), c.calls(), c.units(), c.overageUnits(),
                        Map.copyOf(byClass.get(k)), Pricing.cost(c, plan), Pricing.currency(plan)));
            });
            return new Usage(Instant.ofEpochMilli(fromMinute * 60_000), Instant.ofEpochMilli(toMinute * 60_000),
                    List.copyOf(lines));
        });
    }

    /**
     * The billing period of {@code month} for a consumer: the calendar month, or, for a plan with a
     * monthly quota that resets on day d, from day d of that month to day d of the next.
     */
    public static QuotaPeriod billingPeriod(PlanSpec plan, YearMonth month) {
        int day = plan != null && plan.quota() != null && plan.quota().period() == PlanSpec.Period.MONTH
                ? Math.max(1, Math.min(28, plan.quota().resetDay())) : 1;
        LocalDate start = month.atDay(day);
        return new QuotaPeriod(QuotaPeriod.millis(start), QuotaPeriod.millis(start.plusMonths(1)));
    }

    /** A consumer's invoice for a month, priced with its plan in the running config. */
    public CompletableFuture<Invoice> invoice(String consumer, YearMonth month) {
        PlanSpec plan = plan(consumer);
        QuotaPeriod period = billingPeriod(plan, month);
        return writer.read(() -> writer.ledger().usage(consumer, null, period.start() / 60_000, period.end() / 60_000))
                .thenApply(rows -> {
                    Map<String, UsageCounts> byRoute = new LinkedHashMap<>();
                    rows.forEach((k, c) -> byRoute.merge(k.route(), c, UsageCounts::plus));
                    String currency = Pricing.currency(plan);
                    BigDecimal unit = Pricing.unitPrice(plan);
                    BigDecimal over = Pricing.overagePrice(plan);
                    List<Invoice.Item> items = new ArrayList<>();
                    BigDecimal total = BigDecimal.ZERO.setScale(Pricing.minorDigits(currency));
                    for (Map.Entry<String, UsageCounts> e : byRoute.entrySet()) {
                        UsageCounts c = e.getValue();
                        long included = c.units() - c.overageUnits();
                        Invoice.Item usage = new Invoice.Item(e.getKey(), "usage", c.calls(), included, unit,
                                Pricing.amount(included, unit, currency));
                        items.add(usage);
                        total = total.add(usage.amount());
                        if (c.overageUnits() > 0) {
                            Invoice.Item o = new Invoice.Item(e.getKey(), "overage", 0, c.overageUnits(), over,
                                    Pricing.amount(c.overageUnits(), over, currency));
                            items.add(o);
                            total = total.add(o.amount());
                        }
                    }
                    return new Invoice(consumer, plan == null ? null : plan.id(), month.toString(),
                            Instant.ofEpochMilli(period.start()), Instant.ofEpochMilli(period.end()), currency,
                            List.copyOf(items), total);
                });
    }

    /** The invoice of the billing period running now (what a consumer owes so far). */
    public CompletableFuture<Invoice> currentInvoice(String consumer) {
        long now = clock.millis();
        YearMonth month = month(Instant.ofEpochMilli(now));
        if (!billingPeriod(plan(consumer), month).contains(now)) month = month.minusMonths(1);
        return invoice(consumer, month);
    }

    /**
     * Usage per consumer for the dashboard and the {@code quotaUsed} alert: units used this period,
     * the quota, and the period's bill so far. Runs off the event loops; a bill the ledger does not
     * give within a second is left out rather than waited for.
     */
    public io.turnpike.observe.analytics.UsageSource usageSource() {
        return () -> {
            List<io.turnpike.observe.analytics.UsageSource.ConsumerUsage> out = new java.util.ArrayList<>();
            for (ConsumerSpec c : meter.config().consumers()) {
                PlanSpec plan = plan(c.id());
                if (plan == null) continue;
                Optional<QuotaStatus> q = quota(c.id());
                java.math.BigDecimal bill = java.math.BigDecimal.ZERO;
                String currency = plan.price() == null ? null : plan.price().currency();
                long used = q.map(QuotaStatus::used).orElse(0L);
                if (plan.price() != null || q.isEmpty()) {
                    try {
                        Invoice inv = currentInvoice(c.id()).get(1, java.util.concurrent.TimeUnit.SECONDS);
                        bill = inv.total();
                        if (q.isEmpty()) used = inv.items().stream().mapToLong(Invoice.Item::units).sum();
                    } catch (Exception e) {
                        continue; // the ledger is slow or failing: show what is known next time
                    }
                }
                out.add(new io.turnpike.observe.analytics.UsageSource.ConsumerUsage(c.id(), plan.id(), used,
                        q.map(QuotaStatus::limit).orElse(0L), bill, currency));
            }
            return out;
        };
    }

    /** The month an instant falls in, in UTC (for "this month's bill"). */
    public YearMonth month(Instant at) {
        return YearMonth.from(at.atZone(ZoneOffset.UTC));
    }

    public Clock clock() {
        return clock;
    }

    /** Writes every call metered so far to the ledger, then closes it. */
    @Override
    public void close() {
        writer.close();
        log.info("usage ledger closed: {} calls metered, {} written", meter.billedCalls(), writer.flushedCalls());
    }
}
