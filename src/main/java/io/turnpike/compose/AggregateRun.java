package io.turnpike.compose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One request's aggregation, confined to its event loop: starts every call whose inputs are ready
 * (all of them at once when none depends on another), starts a dependent call the moment the calls
 * it uses have answered, and answers once every call has ended, the deadline has passed, or a
 * required call has failed (then at once, stopping the rest).
 */
public final class AggregateRun {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final long DEADLINE_GRACE_NANOS = 50_000_000;

    /** Where the outcome goes: exactly one of these is called, once. */
    public interface Result {
        /** @param missing the calls whose part is missing (failed optional calls), in call order */
        void json(byte[] body, List<String> missing);

        void problem(Problems.Kind kind, String detail);
    }

    private enum State { WAITING, RUNNING, OK, FAILED }

    private final Aggregation agg;
    private final PolicyCall call;
    private final Fetcher fetcher;
    private final ResponseShaper shaper;
    private final Result answer;
    private final EventExecutor loop;
    private final State[] state;
    private final JsonNode[] result;
    private final String[] error;
    private long deadlineAt;
    private ScheduledFuture<?> deadline;
    private boolean finished;
    private boolean launching;
    private boolean again;

    private AggregateRun(Aggregation agg, PolicyCall call, Fetcher fetcher, ResponseShaper shaper, Result answer) {
        this.agg = agg;
        this.call = call;
        this.fetcher = fetcher;
        this.shaper = shaper;
        this.answer = answer;
        this.loop = call.executor();
        int n = agg.calls.length;
        this.state = new State[n];
        this.result = new JsonNode[n];
        this.error = new String[n];
        java.util.Arrays.fill(state, State.WAITING);
    }

    /** Starts the calls; must run on the request's event loop. */
    public static AggregateRun start(Aggregation agg, PolicyCall call, Fetcher fetcher, ResponseShaper shaper,
                                     Result answer) {
        AggregateRun run = new AggregateRun(agg, call, fetcher, shaper, answer);
        long t = agg.timeoutNanos();
        run.deadlineAt = System.nanoTime() + t;
        run.deadline = run.loop.schedule(run::deadlinePassed, t, TimeUnit.NANOSECONDS);
        run.launchReady();
        return run;
    }

    /** The client left: stop everything, answer nothing. */
    public void cancel() {
        if (finished) return;
        finished = true;
        deadline.cancel(false);
        fetcher.cancelAll();
    }

    private void launchReady() {
        if (launching) { // a call answered synchronously while calls were being started
            again = true;
            return;
        }
        launching = true;
        try {
            do {
                again = false;
                for (Aggregation.CallPlan p : agg.calls) {
                    if (finished) return;
                    if (state[p.index()] != State.WAITING) continue;
                    String blocked = null;
                    boolean ready = true;
                    for (int d : p.deps()) {
                        if (state[d] == State.FAILED && result[d] == null) {
                            blocked = agg.calls[d].spec().name();
                        } else if (state[d] != State.OK && state[d] != State.FAILED) {
                            ready = false;
                        }
                    }
                    if (blocked != null) {
                        fail(p.index(), Fetcher.Failure.FAILED, "it needs the result of call " + blocked + ", which failed");
                        again = true;
                    } else if (ready) {
                        launch(p);
                    }
                }
            } while (again && !finished);
        } finally {
            launching = false;
        }
        if (!finished && allEnded()) complete();
    }

    private boolean allEnded() {
        for (State s : state) if (s == State.WAITING || s == State.RUNNING) return false;
        return true;
    }

    private void launch(Aggregation.CallPlan p) {
        int i = p.index();
        state[i] = State.RUNNING;
        String uri;
        try {
            uri = p.path().renderUri(call, this::resultOf);
        } catch (Template.UnsafeValue e) {
            if (e.fromResult()) {
                fail(i, Fetcher.Failure.FAILED, e.getMessage()); // the answer of a service, not the client's doing
            } else {
                refuse(e.getMessage());
            }
            return;
        }
        byte[] body = null;
        if (p.body() != null) {
            try {
                body = ResponseShaper.JSON.writeValueAsBytes(renderBody(p.body(), p.bodyTemplates()));
            } catch (JsonProcessingException e) {
                fail(i, Fetcher.Failure.FAILED, "its body could not be written");
                return;
            }
        }
        long left = deadlineAt - System.nanoTime();
        long own = p.spec().timeout() == null ? Long.MAX_VALUE : p.spec().timeout().toNanos();
        // The aggregation's deadline ends a call it cuts short (and says so); the call's own timer,
        // set a little later, is only a backstop.
        long timeout = Math.max(1, Math.min(own, left + DEADLINE_GRACE_NANOS));
        fetcher.fetch(new Fetcher.Call(p.spec().name(), p.spec().service(), p.spec().method(), uri, body, timeout,
                agg.spec.maxBodyBytes()), new Fetcher.Callback() {
            @Override
            public void answered(int status, HttpHeaders headers, ByteBuf content) {
                onAnswer(p, status, headers, content);
            }

            @Override
            public void failed(Fetcher.Failure kind, String detail) {
                if (finished || state[i] != State.RUNNING) return;
                fail(i, kind, detail);
                launchReady();
            }
        });
    }

    private JsonNode renderBody(JsonNode n, Map<String, Template> templates) {
        if (n.isTextual()) return new TextNode(templates.get(n.textValue()).render(call, this::resultOf));
        if (n.isObject()) {
            ObjectNode o = F.objectNode();
            n.fields().forEachRemaining(e -> o.set(e.getKey(), renderBody(e.getValue(), templates)));
            return o;
        }
        if (n.isArray()) {
            var a = F.arrayNode();
            for (JsonNode e : n) a.add(renderBody(e, templates));
            return a;
        }
        return n;
    }

    private JsonNode resultOf(String name) {
        for (Aggregation.CallPlan p : agg.calls) {
            if (p.spec().name().equals(name)) return result[p.index()];
        }
        return null;
    }

    private void onAnswer(Aggregation.CallPlan p, int status, HttpHeaders headers, ByteBuf content) {
        int i = p.index();
        if (finished || state[i] != State.RUNNING) return;
        String service = p.spec().service();
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (status < 200 || status > 299) {
            fail(i, Fetcher.Failure.FAILED, "service " + service + " answered status " + status);
        } else if (type == null || !ResponseShaper.isJson(type)) {
            fail(i, Fetcher.Failure.FAILED, "service " + service + " answered "
                    + (type == null ? "without a Content-Type" : type) + ", not JSON");
        } else {
            try {
                JsonNode n = ResponseShaper.parse(content, headers.get(HttpHeaderNames.CONTENT_ENCODING),
                        agg.spec.maxBodyBytes());
                n = select(p, n);
                if (agg.spec.merge() == io.turnpike.config.AggregateSpec.Merge.MERGE && !n.isObject()) {
                    fail(i, Fetcher.Failure.FAILED, "service " + service + " answered a JSON " + n.getNodeType()
                            .toString().toLowerCase(java.util.Locale.ROOT) + ", and merge: merge takes objects");
                } else {
                    state[i] = State.OK;
                    result[i] = n;
                }
            } catch (ResponseShaper.Unusable e) {
                fail(i, Fetcher.Failure.FAILED, e.getMessage().replace("the service", "service " + service));
            }
        }
        launchReady();
    }

    private static JsonNode select(Aggregation.CallPlan p, JsonNode n) {
        if (p.select() != null) {
            JsonNode s = n.at(p.select());
            return s.isMissingNode() ? F.nullNode() : s;
        }
        if (!p.spec().fields().isEmpty() && n.isObject()) {
            ObjectNode o = F.objectNode();
            for (String f : p.spec().fields()) {
                JsonNode v = n.get(f);
                if (v != null) o.set(f, v);
            }
            return o;
        }
        return n;
    }

    /** A call ended without a usable result: the fallback, a missing part, or (required) the end. */
    private void fail(int i, Fetcher.Failure kind, String detail) {
        Aggregation.CallPlan p = agg.calls[i];
        state[i] = State.FAILED;
        error[i] = detail;
        if (p.spec().fallback() != null) {
            result[i] = p.spec().fallback().deepCopy();
            return;
        }
        if (p.spec().optional()) return;
        finished = true;
        deadline.cancel(false);
        fetcher.cancelAll();
        answer.problem(kind == Fetcher.Failure.TIMEOUT ? Problems.Kind.GATEWAY_TIMEOUT : Problems.Kind.BAD_GATEWAY,
                "call " + p.spec().name() + " (service " + p.spec().service() + ") failed: " + detail);
    }

    /** A value from the request cannot make a call's path: 400 for the whole aggregation, nothing sent. */
    private void refuse(String detail) {
        finished = true;
        deadline.cancel(false);
        fetcher.cancelAll();
        answer.problem(Problems.Kind.MALFORMED, detail);
    }

    private void deadlinePassed() {
        if (finished) return;
        String why = "the aggregation's deadline of " + agg.spec.timeout().toMillis() + " ms passed";
        fetcher.cancelAll(); // their callbacks no longer count: each is ended below
        for (Aggregation.CallPlan p : agg.calls) {
            if (finished) return;
            State s = state[p.index()];
            if (s == State.RUNNING || s == State.WAITING) {
                fail(p.index(), Fetcher.Failure.TIMEOUT, s == State.RUNNING ? "no answer before " + why
                        : "not started before " + why);
            }
        }
        if (!finished) complete();
    }

    private void complete() {
        finished = true;
        deadline.cancel(false);
        List<String> missing = new ArrayList<>();
        ObjectNode errors = F.objectNode();
        for (Aggregation.CallPlan p : agg.calls) {
            if (state[p.index()] == State.FAILED) {
                missing.add(p.spec().name());
                errors.put(p.spec().name(), error[p.index()]);
            }
        }
        JsonNode root;
        if (agg.spec.merge() == io.turnpike.config.AggregateSpec.Merge.GROUP) {
            ObjectNode o = F.objectNode();
            for (Aggregation.CallPlan p : agg.calls) {
                JsonNode r = result[p.index()];
                o.set(p.spec().name(), r == null ? F.nullNode() : r);
            }
            root = o;
        } else {
            root = merged();
            if (root == null) return; // answered with the clash
        }
        if (!missing.isEmpty() && root instanceof ObjectNode o) o.set("_errors", errors);
        if (shaper != null) root = shaper.applyBody(root, call);
        byte[] bytes;
        try {
            bytes = ResponseShaper.JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            answer.problem(Problems.Kind.BAD_GATEWAY, "the merged answer could not be written");
            return;
        }
        answer.json(bytes, missing);
    }

    /** {@code merge: merge}: the objects' fields together; a key two calls give needs a precedence. */
    private JsonNode merged() {
        ObjectNode out = F.objectNode();
        Map<String, Integer> owner = new HashMap<>();
        for (Aggregation.CallPlan p : agg.calls) {
            JsonNode r = result[p.index()];
            if (r == null || !r.isObject()) continue;
            for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                Integer prev = owner.get(f.getKey());
                if (prev == null) {
                    owner.put(f.getKey(), p.index());
                    out.set(f.getKey(), f.getValue());
                    continue;
                }
                String a = agg.calls[prev].spec().name();
                String b = p.spec().name();
                Integer ra = agg.rank.get(a);
                Integer rb = agg.rank.get(b);
                if (ra == null || rb == null) {
                    answer.problem(Problems.Kind.BAD_GATEWAY, "calls " + a + " and " + b + " both return \""
                            + f.getKey() + "\" and no precedence says which wins (aggregate.precedence)");
                    return null;
                }
                if (rb < ra) {
                    owner.put(f.getKey(), p.index());
                    out.set(f.getKey(), f.getValue());
                }
            }
        }
        return out;
    }
}
