package io.turnpike.demo;

import java.io.PrintStream;
import java.util.List;

/**
 * The demo's quick tour: curl commands that work against a running demo gateway, each with what it
 * shows. The README repeats them for the default port; a test keeps the two in step.
 */
public final class Tour {

    /** @param shows one line on what to look at in the answer */
    public record Stop(String shows, String command) {}

    private Tour() {}

    public static List<Stop> stops(int port) {
        String base = "http://127.0.0.1:" + port;
        return List.of(
                new Stop("a user as JSON; X-Served-By names the node, X-Request-Id was added by the gateway",
                        "curl -i " + base + "/api/users/1"),
                new Stop("a POST with a JSON body: 201 and the new user (path rewritten to /users)",
                        "curl -i -H 'Content-Type: application/json' -d '{\"name\":\"Edsger Dijkstra\",\"segment\":\"free\"}' "
                                + base + "/api/users"),
                new Stop("the query string goes through: orders of user 1",
                        "curl -s '" + base + "/api/orders?user=1'"),
                new Stop("round-robin over the two catalog nodes",
                        "for i in 1 2 3 4; do curl -s -o /dev/null -D - " + base
                                + "/api/catalog/items | grep -i x-served-by; done"),
                new Stop("no route: 404 as application/problem+json, with the requestId",
                        "curl -i " + base + "/api/nope"),
                new Stop("the route exists but not for DELETE: 405 with an Allow header",
                        "curl -i -X DELETE " + base + "/api/users/1"),
                new Stop("one call in, three out: the user, their orders and recommendations for their segment, as one JSON",
                        "curl -s " + base + "/api/dashboard/1"),
                new Stop("client profile mobile (X-Client: mobile): the same user route answers only id and name",
                        "curl -s -H 'X-Client: mobile' " + base + "/api/users/1"),
                new Stop("a partner route: 401 without an API key, 200 with the demo partner's",
                        "curl -s -o /dev/null -w '%{http_code}\\n' " + base + "/api/partner/orders/1001; curl -s -H 'X-API-Key: "
                                + DemoConfig.PARTNER_KEY + "' " + base + "/api/partner/orders/1001"));
    }

    public static void print(PrintStream out, int port) {
        out.println();
        out.println("Try these (Ctrl-C stops the demo):");
        for (Stop stop : stops(port)) {
            out.println();
            out.println("  # " + stop.shows());
            out.println("  " + stop.command());
        }
        out.println();
    }
}
