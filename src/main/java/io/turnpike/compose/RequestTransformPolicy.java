package io.turnpike.compose;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringEncoder;
import io.turnpike.config.ClientProfileSpec;
import io.turnpike.config.TransformSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last step of a route's chain when it has a transform: edits the request for the upstream
 * (headers, path, query, JSON body fields) as the client's profile says, and, when that profile's response body
 * will be reshaped, asks the upstream for an encoding the gateway can decode (gzip when the client
 * takes it too, else identity).
 */
public final class RequestTransformPolicy implements Policy {
    private record Compiled(HeaderOps headers, Template path, String[] queryNames, Template[] queryValues,
                            List<String> removeQuery, boolean decodableResponse, RequestBodyEdit body) {}

    private final Map<String, Compiled> byProfile = new HashMap<>();
    private final Compiled fallback;

    private RequestTransformPolicy(TransformSpec spec) {
        spec.byProfile().forEach((profile, t) -> byProfile.put(profile, compile(t)));
        Compiled d = byProfile.get(ClientProfileSpec.DEFAULT);
        this.fallback = d;
    }

    /** Null when no profile of the route changes the request or the response body. */
    public static Policy of(TransformSpec spec) {
        if (spec == null) return null;
        for (TransformSpec.ProfileTransform t : spec.byProfile().values()) {
            if (t.request() != null || t.response() != null && t.response().changesBody()) {
                return new RequestTransformPolicy(spec);
            }
        }
        return null;
    }

    private static Compiled compile(TransformSpec.ProfileTransform t) {
        boolean decodable = t.response() != null && t.response().changesBody();
        TransformSpec.Request r = t.request();
        if (r == null) return new Compiled(null, null, new String[0], new Template[0], List.of(), decodable, null);
        return new Compiled(new HeaderOps(r.headers()), r.path() == null ? null : Template.compile(r.path()),
                r.query().keySet().toArray(String[]::new),
                r.query().values().stream().map(Template::compile).toArray(Template[]::new),
                r.removeQuery(), decodable, r.body().isEmpty() ? null : new RequestBodyEdit(r.body(), r.maxBodyBytes()));
    }

    @Override
    public Verdict check(PolicyCall call) {
        String profile = call.profile();
        Compiled c = profile == null ? fallback : byProfile.getOrDefault(profile, fallback);
        if (c == null) return Verdict.PASS;
        if (c.decodableResponse) {
            // Only encodings the gateway can decode; gzip only when the client takes it too, since
            // answers that are not reshaped (errors, non-JSON) reach the client as they came.
            String accepted = call.headers().get(HttpHeaderNames.ACCEPT_ENCODING);
            boolean gzip = accepted != null && accepted.toLowerCase(java.util.Locale.ROOT).contains("gzip");
            call.headers().set(HttpHeaderNames.ACCEPT_ENCODING, gzip ? "gzip" : "identity");
        }
        if (c.headers != null) c.headers.apply(call.headers(), call);
        if (c.path != null) {
            try {
                call.upstreamPath(c.path.renderUri(call, null));
            } catch (Template.UnsafeValue e) {
                return Verdict.answer(Problems.Kind.MALFORMED, e.getMessage());
            }
        }
        if (c.queryNames.length > 0 || !c.removeQuery.isEmpty()) call.query(query(call, c));
        if (c.body != null) call.editBody(c.body);
        return Verdict.PASS;
    }

    private static String query(PolicyCall call, Compiled c) {
        Map<String, List<String>> params = Template.queryParameters(call.query());
        QueryStringEncoder out = new QueryStringEncoder("");
        for (var e : params.entrySet()) {
            if (c.removeQuery.contains(e.getKey()) || java.util.Arrays.asList(c.queryNames).contains(e.getKey())) continue;
            for (String v : e.getValue()) out.addParam(e.getKey(), v);
        }
        StringBuilder s = new StringBuilder(out.toString()); // "?a=1&b=2", or empty
        for (int i = 0; i < c.queryNames.length; i++) {
            s.append(s.isEmpty() ? '?' : '&');
            UriComponents.appendText(s, c.queryNames[i]);
            s.append('=').append(c.queryValues[i].renderQueryValue(call)); // encoded already, route variables once
        }
        return s.isEmpty() ? null : s.substring(1); // drop the leading '?'
    }
}
