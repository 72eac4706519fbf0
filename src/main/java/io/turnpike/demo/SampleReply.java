package io.turnpike.demo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a sample API answers: a status and a JSON object. The service adds the answering node's
 * name before it is sent.
 *
 * @param allow  the {@code Allow} header of a 405, else null
 */
record SampleReply(int status, Map<String, Object> body, String allow) {

    static SampleReply ok(Map<String, Object> body) {
        return new SampleReply(200, body, null);
    }

    static SampleReply created(Map<String, Object> body) {
        return new SampleReply(201, body, null);
    }

    static SampleReply error(int status, String message) {
        return new SampleReply(status, object("error", message), null);
    }

    static SampleReply methodNotAllowed(String allow) {
        return new SampleReply(405, object("error", "method not allowed"), allow);
    }

    /** A mutable, ordered JSON object with one field, so callers can add more. */
    static Map<String, Object> object(String key, Object value) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(key, value);
        return body;
    }
}
