package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A route's {@code aggregate:}: several upstream calls whose JSON answers are merged into one.
 * Validated at load: every reference resolves and the calls' dependencies have no cycle.
 *
 * @param calls       by name, in file order
 * @param merge       how results are combined
 * @param precedence  for {@code merge}: calls in order of precedence when two return the same key;
 *                    empty = such a clash is an error
 * @param timeout     the deadline of the whole aggregation
 * @param maxBodyBytes the bound on each call's answer
 */
public record AggregateSpec(Map<String, Call> calls, Merge merge, List<String> precedence, Duration timeout,
                            long maxBodyBytes) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_BODY = 1024 * 1024;

    public AggregateSpec {
        calls = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(calls));
        precedence = List.copyOf(precedence);
    }

    public enum Merge { GROUP, MERGE }

    /**
     * @param path      a template: route variables ({@code {userId}}), request values
     *                  ({@code {header.X}}, {@code {query.q}}, {@code {consumer.id}}, {@code {claim.sub}})
     *                  and other calls' results ({@code {profile.segment}})
     * @param method    GET unless a body is given (then POST)
     * @param body      a JSON body whose strings may be templates; null = none
     * @param timeout   this call's own timeout; null = the service's request timeout
     * @param optional  a failure leaves the result null (or the fallback) instead of failing the answer
     * @param select    a JSON pointer ({@code /data/items}) taking part of the result; null = all
     * @param fields    a list of fields taking part of an object result; empty = all
     * @param fallback  the value used when the call fails; null = none
     * @param dependsOn the calls whose results the path or body uses
     */
    public record Call(String name, String service, String path, String method, JsonNode body, Duration timeout,
                       boolean optional, String select, List<String> fields, JsonNode fallback,
                       List<String> dependsOn) {
        public Call {
            fields = List.copyOf(fields);
            dependsOn = List.copyOf(dependsOn);
        }
    }
}
