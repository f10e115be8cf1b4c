package dev.aigw.opentelemetry;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal OTLP/HTTP receiver on 127.0.0.1, like a collector's {@code otlp} receiver: {@code POST /v1/traces} and
 * {@code /v1/metrics} with {@code application/x-protobuf} bodies, decoded with the protocol's generated classes.
 */
final class OtlpReceiver implements AutoCloseable {
    final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
    final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private final Server server = new Server();

    OtlpReceiver() throws Exception {
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.asByteBufferAsync(request).whenComplete((body, failure) -> {
                    if (failure != null) {
                        callback.failed(failure);
                        return;
                    }
                    try {
                        contentTypes.add(String.valueOf(request.getHeaders().get("Content-Type")));
                        byte[] bytes = new byte[body.remaining()];
                        body.get(bytes);
                        byte[] answer;
                        switch (request.getHttpURI().getPath()) {
                            case "/v1/traces" -> {
                                traces.add(ExportTraceServiceRequest.parseFrom(bytes));
                                answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                            }
                            case "/v1/metrics" -> {
                                metrics.add(ExportMetricsServiceRequest.parseFrom(bytes));
                                answer = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
                            }
                            default -> {
                                Response.writeError(request, response, callback, 404);
                                return;
                            }
                        }
                        response.setStatus(200);
                        response.getHeaders().put("Content-Type", "application/x-protobuf");
                        response.write(true, ByteBuffer.wrap(answer), callback);
                    } catch (Exception e) {
                        Response.writeError(request, response, callback, 400);
                    }
                });
                return true;
            }
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
