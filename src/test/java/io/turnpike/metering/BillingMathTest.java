package io.turnpike.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.PlanSpec;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Quota periods and money: calendar UTC periods, reset days, half-up rounding to the currency's minor unit. */
class BillingMathTest {
    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    private static QuotaPeriod period(String start, String end) {
        return new QuotaPeriod(at(start), at(end));
    }

    @Test
    void daysAreUtcCalendarDaysAndMonthsStartOnTheResetDay() {
        assertThat(QuotaPeriod.of(PlanSpec.Period.DAY, 1, at("2026-11-28T23:59:59.999Z")))
                .isEqualTo(period("2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z"));
        assertThat(QuotaPeriod.of(PlanSpec.Period.MONTH, 1, at("2026-12-31T12:00:00Z")))
                .isEqualTo(period("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"));
        assertThat(QuotaPeriod.of(PlanSpec.Period.MONTH, 15, at("2026-11-14T23:59:59Z")))
                .isEqualTo(period("2026-10-15T00:00:00Z", "2026-11-15T00:00:00Z"));
        assertThat(QuotaPeriod.of(PlanSpec.Period.MONTH, 15, at("2026-11-15T00:00:00Z")))
                .isEqualTo(period("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z"));
        assertThat(QuotaPeriod.of(PlanSpec.Period.MONTH, 28, at("2027-02-28T00:00:00Z")).resetsAt())
                .isEqualTo(Instant.parse("2027-03-28T00:00:00Z"));
    }

    @Test
    void anInvoiceMonthIsTheBillingPeriodThatStartsInIt() {
        PlanSpec resetsOn10th = new PlanSpec("p", List.of(), new PlanSpec.Quota(5, PlanSpec.Period.MONTH, 10), null,
                PlanSpec.Overage.BLOCK, PlanSpec.BillOn.REACHED);
        PlanSpec daily = new PlanSpec("d", List.of(), new PlanSpec.Quota(5, PlanSpec.Period.DAY, 1), null,
                PlanSpec.Overage.BLOCK, PlanSpec.BillOn.REACHED);
        assertThat(Metering.billingPeriod(resetsOn10th, YearMonth.of(2026, 12)))
                .isEqualTo(period("2026-12-10T00:00:00Z", "2027-01-10T00:00:00Z"));
        assertThat(Metering.billingPeriod(daily, YearMonth.of(2026, 2)))
                .isEqualTo(period("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"));
        assertThat(Metering.billingPeriod(null, YearMonth.of(2026, 2)))
                .isEqualTo(period("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"));
    }

    @Test
    void amountsAreExactProductsRoundedHalfUpToTheMinorUnit() {
        assertThat(Pricing.amount(12_345, new BigDecimal("0.0002"), "USD")).isEqualTo(new BigDecimal("2.47")); // 2.469
        assertThat(Pricing.amount(1, new BigDecimal("0.005"), "USD")).isEqualTo(new BigDecimal("0.01"));
        assertThat(Pricing.amount(3, new BigDecimal("0.5"), "JPY")).isEqualTo(new BigDecimal("2")); // 1.5 yen
        assertThat(Pricing.amount(3, new BigDecimal("0.0001"), "BHD")).isEqualTo(new BigDecimal("0.000")); // 3 minor digits
        assertThat(Pricing.amount(3, new BigDecimal("0.1"), "ZZZ")).isEqualTo(new BigDecimal("0.30"));
        // 0.1 + 0.2 in binary floating point is not 0.3; here it is
        assertThat(Pricing.amount(1, new BigDecimal("0.1"), "USD").add(Pricing.amount(1, new BigDecimal("0.2"), "USD")))
                .isEqualTo(new BigDecimal("0.30"));
        // a million units at a sub-cent price: no drift
        assertThat(Pricing.amount(1_000_000_007L, new BigDecimal("0.0000013"), "EUR")).isEqualTo(new BigDecimal("1300.00"));
    }
}
