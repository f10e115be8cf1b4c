package dev.aigw.samples.embedded;

import com.sun.net.httpserver.HttpServer;
import dev.aigw.samples.Call;
import dev.aigw.testkit.GatewayRequest;
import io.opentelemetry.api.GlobalOpenTelemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo traces every call: the call log (what the page shows) carries each call's trace id, the gateway was told the
 * same trace, and with {@code OTEL_EXPORTER_OTLP_ENDPOINT} set the spans leave over OTLP/HTTP.
 */
class DemoTelemetryTest {
    @AfterEach
    void resetGlobal() {
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void eachCallShowsItsTraceIdAndIsExportedWhenAnEndpointIsSet() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " " + (body.length > 0));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try {
            String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
            try (DemoTelemetry telemetry = DemoTelemetry.start(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)::get);
                 RunningDemo demo = new RunningDemo()) {
                assertThat(telemetry.endpoint()).isEqualTo(endpoint);
                assertThat(Main.banner(demo.app.uri(), demo.fakes, telemetry.endpoint())).contains(
                        "traces   OpenTelemetry, exported to " + endpoint);
                HttpResponse<String> created = demo.post("/replicate/models/" + DemoServices.HAIKU + "/predictions",
                        "alice", "{\"input\":{\"prompt\":\"traced\"}}");
                assertThat(created.statusCode()).isEqualTo(201);
                Call call = demo.awaitCall(c -> c.method().equals("POST") && c.status() == 201);
                assertThat(call.traceId()).matches("[0-9a-f]{32}");
                assertThat(demo.get("/api/calls", null).body()).contains("\"traceId\":\"" + call.traceId() + "\"");
                GatewayRequest atGateway = demo.fakes.gateway().requests().stream()
                        .filter(g -> g.logId().equals(call.logId())).findFirst().orElseThrow();
                assertThat(atGateway.otelTraceId()).isEqualTo(call.traceId());
                assertThat(call.line()).contains("trace=" + call.traceId());
            }
            assertThat(received).contains("POST /v1/traces application/x-protobuf true");
        } finally {
            collector.stop(0);
        }
    }

    @Test
    void withoutAnEndpointNothingLeavesTheProcess() {
        try (DemoTelemetry telemetry = DemoTelemetry.start(Map.<String, String>of()::get)) {
            assertThat(telemetry.endpoint()).isNull();
            assertThat(GlobalOpenTelemetry.isSet()).isTrue();
        }
    }
}
