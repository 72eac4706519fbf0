package io.turnpike.admin;

import io.turnpike.observe.alert.AlertEngine;
import io.turnpike.observe.analytics.Analytics;
import io.turnpike.observe.analytics.UsageSource;

/**
 * What the admin API reads for the analytics, alerts and dashboard endpoints. A part that is null
 * is not running, and its endpoints say so.
 */
public record Insights(Analytics analytics, AlertEngine alerts, UsageSource usage) {
    public static final Insights NONE = new Insights(null, null, UsageSource.NONE);

    public Insights {
        if (usage == null) usage = UsageSource.NONE;
    }
}
