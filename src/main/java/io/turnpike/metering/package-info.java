/**
 * Usage metering, quotas, the usage ledger and invoices.
 *
 * <p>{@link io.turnpike.metering.Metering} is the one object a running gateway holds: its
 * {@link io.turnpike.metering.Meter} hears every finished exchange on the event loop and hands the
 * billable ones, lock-free, to one writer thread that flushes them to the {@link
 * io.turnpike.metering.Ledger} (SQLite or PostgreSQL) in idempotent batches; its {@link
 * io.turnpike.metering.Quotas} keep per-consumer quota counts across config reloads and refuse a
 * consumer whose quota is used up. Its public read methods ({@code quota}, {@code usage},
 * {@code invoice}) are what the admin API and a dashboard show.
 */
package io.turnpike.metering;
