package io.turnpike.metering;

import io.turnpike.config.PlanSpec;
import io.turnpike.core.ExchangeView;

/**
 * Which finished exchanges are billed. A call is billable when an authenticated consumer made it
 * and the gateway handed it to a node of the service (the request was written to a connection to
 * it, whatever came back, timeouts included). Under a plan's {@code billOn: success} it must also
 * have been answered 2xx or 3xx by the service. Calls the gateway refused by itself (401, 403, 404,
 * 413, 429, 503 circuit open or no node, 502 after no node could be reached) are never billed, nor
 * are anonymous calls.
 */
public final class BillingRule {
    private BillingRule() {}

    public static boolean billable(ExchangeView x, PlanSpec.BillOn billOn) {
        if (x.consumerId() == null || x.routeId() == null) return false;
        if (x.nodeKey() == null || x.upstreamNanos() < 0) return false;
        if (billOn == PlanSpec.BillOn.SUCCESS) {
            int s = x.status();
            return s >= 200 && s < 400 && x.rejection() == null;
        }
        return true;
    }

    /** The status class a call is kept under: 2 for 2xx, ...; 0 when the client got no response head. */
    public static int statusClass(int status) {
        return status >= 100 && status < 600 ? status / 100 : 0;
    }
}
