package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A route's {@code transform:}: per client profile (and {@code default}), how the request going
 * upstream and the response going back are reshaped. Compiled once per config by
 * {@code io.turnpike.compose}.
 *
 * @param byProfile profile name (or {@code default}) to its transform, in file order
 */
public record TransformSpec(Map<String, ProfileTransform> byProfile) {
    public TransformSpec {
        byProfile = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byProfile));
    }

    /** @param request null = unchanged; @param response null = unchanged */
    public record ProfileTransform(Request request, Response response) {}

    /** {@code headers: { add: {..}, set: {..}, remove: [..] }}; values may use request templates. */
    public record Headers(Map<String, String> add, Map<String, String> set, List<String> remove) {
        public static final Headers NONE = new Headers(Map.of(), Map.of(), List.of());

        public Headers {
            add = Map.copyOf(add);
            set = Map.copyOf(set);
            remove = List.copyOf(remove);
        }

        public boolean isEmpty() {
            return add.isEmpty() && set.isEmpty() && remove.isEmpty();
        }
    }

    /**
     * @param path        a template for the upstream path ({@code /v2/users/{id}}); null = unchanged
     * @param query       query parameters set (name to template), replacing the client's of that name
     * @param removeQuery query parameters removed
     * @param body        JSON body field (dotted path) to a request template ({@code {header.X-User}})
     * @param maxBodyBytes the bound on a body held to set fields in
     */
    public record Request(Headers headers, String path, Map<String, String> query, List<String> removeQuery,
                          Map<String, String> body, long maxBodyBytes) {
        public Request {
            query = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(query));
            removeQuery = List.copyOf(removeQuery);
            body = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(body));
        }
    }

    /**
     * The JSON body operations run in this order: unwrap, keep, drop, rename, set, wrap.
     *
     * @param keep   allow-list of paths ({@code id}, {@code user.name}, {@code items[].id}); empty = all
     * @param drop   paths removed
     * @param rename path to the new name of its last field
     * @param set    path to a constant, or to a string template using request values
     * @param wrap   the body becomes {@code {wrap: body}}; null = no
     * @param unwrap the body becomes its field {@code unwrap}; null = no
     * @param maxBodyBytes the bound on a response body held for the body operations
     */
    public record Response(Headers headers, List<String> keep, List<String> drop, Map<String, String> rename,
                           Map<String, JsonNode> set, String wrap, String unwrap, long maxBodyBytes) {
        public Response {
            keep = List.copyOf(keep);
            drop = List.copyOf(drop);
            rename = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rename));
            set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
        }

        /** True when the body is reshaped (then it is held, bounded, instead of streamed). */
        public boolean changesBody() {
            return !keep.isEmpty() || !drop.isEmpty() || !rename.isEmpty() || !set.isEmpty() || wrap != null
                    || unwrap != null;
        }
    }
}
