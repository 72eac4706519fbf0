package io.turnpike.observe.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.net.ServerSocket;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spans as a tracing backend would receive them, checked against what the upstream saw. */
@ExtendWith(NoLeaks.class)
class SpanExportTest {
    private static final String CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String CLIENT_SPAN = "b7ad6b7169203331";

    private static String upstreamTraceparent(Gateway g, String extraHeaders) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            return Json.parse(r.body()).at("/headers/traceparent").asText();
        }
    }

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aRequestSpanJoinsTheClientsTraceAndTheNodeSeesTheAttemptSpanAsParent() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", b.url()).route("all", "/**", "svc").build());
             SpanExport export = new SpanExport(spans, 1.0)) {
            g.observe(export, true);
            String seen = upstreamTraceparent(g, "traceparent: 00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01\r\n");
            export.flush();
            List<SpanData> got = spans.getFinishedSpanItems();
            assertThat(got).hasSize(2);
            SpanData request = got.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
            SpanData attempt = got.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
            assertThat(request.getTraceId()).isEqualTo(CLIENT_TRACE);
            assertThat(request.getParentSpanId()).isEqualTo(CLIENT_SPAN);
            assertThat(request.getName()).isEqualTo("GET all");
            assertThat(attempt.getTraceId()).isEqualTo(CLIENT_TRACE);
            assertThat(attempt.getParentSpanId()).isEqualTo(request.getSpanId());
            // the upstream: same trace, the attempt span as its parent
            assertThat(seen).isEqualTo("00-" + CLIENT_TRACE + "-" + attempt.getSpanId() + "-01");
            assertThat(attempt.getStartEpochNanos()).isGreaterThanOrEqualTo(request.getStartEpochNanos());
            assertThat(attempt.getEndEpochNanos()).isLessThanOrEqualTo(request.getEndEpochNanos());
        }
    }

    @Test
    void aRetryIsASecondAttemptSpanAndTheNodeSeesTheOneThatReachedIt() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .service("svc", "http://127.0.0.1:" + deadPort(), b.url()).route("all", "/**", "svc").build());
             SpanExport export = new SpanExport(spans, 1.0)) {
            g.observe(export, true);
            String seen = "";
            // round-robin over two nodes: each request starts at the dead node, then retries on the live one
            for (int i = 0; i < 2; i++) seen = upstreamTraceparent(g, "");
            export.flush();
            List<SpanData> attempts = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getKind() == SpanKind.CLIENT)
                    .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
            assertThat(attempts).hasSize(4);
            assertThat(attempts).extracting(s -> s.getAttributes().get(io.opentelemetry.api.common.AttributeKey
                    .stringKey("turnpike.outcome"))).containsExactlyInAnyOrder("connect-failed", "ok", "connect-failed", "ok");
            SpanData failed = attempts.stream().filter(s -> s.getStatus().getStatusCode()
                    == io.opentelemetry.api.trace.StatusCode.ERROR).findFirst().orElseThrow();
            SpanData retried = attempts.stream().filter(s -> s != failed && s.getTraceId().equals(failed.getTraceId()))
                    .findFirst().orElseThrow();
            assertThat(retried.getSpanId()).isNotEqualTo(failed.getSpanId());
            assertThat(retried.getParentSpanId()).isEqualTo(failed.getParentSpanId());
            assertThat(seen).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
    }

    @Test
    void aRequestWithoutTraceparentStartsARootSpan() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", b.url()).route("all", "/**", "svc").build());
             SpanExport export = new SpanExport(spans, 1.0)) {
            g.observe(export, true);
            String seen = upstreamTraceparent(g, "");
            export.flush();
            SpanData request = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
            assertThat(request.getParentSpanContext().isValid()).isFalse();
            assertThat(seen).startsWith("00-" + request.getTraceId() + "-");
        }
    }
}
