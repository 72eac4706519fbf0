package io.turnpike.demo;

import java.util.List;
import java.util.Map;

/** One sample service's endpoints. Implementations are stateless apart from id counters. */
interface SampleApi {

    /**
     * @param query  decoded query parameters
     * @param body   the request body as text, empty when there is none
     * @return the reply, or null when no endpoint has this path (the service answers 404)
     */
    SampleReply handle(String method, String path, Map<String, List<String>> query, String body);

    /** The text after {@code prefix} when the path is {@code prefix + one segment}, else null. */
    static String segmentAfter(String path, String prefix) {
        if (!path.startsWith(prefix) || path.length() == prefix.length()) return null;
        String rest = path.substring(prefix.length());
        return rest.indexOf('/') >= 0 ? null : rest;
    }
}
