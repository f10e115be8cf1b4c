package dev.aigw.jaxrs.it;

import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CXF resends synchronous calls (and {@code rx()} ones, synchronous on a pool thread) directly, not {@code async()}
 * ones: their failure is met on whichever thread CXF meets it (the caller's, while a body is written) and goes to the
 * caller's callback from CXF's fault chain. It is recorded at once with its cause, and reaches the caller.
 */
class CxfAsyncFallbackTest extends GatewayTestBase {

    @Test
    void anAsyncCallIsNotResentItsFailureIsRecordedAndReported() throws Exception {
        ReplicateStandIn standIn = new ReplicateStandIn();
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(true).build()) {
            Client c = clientFor(g).register(standIn, AigwFeature.PRIORITY + 1);
            assertThatThrownBy(() -> api(c, "/account").async().get().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ProcessingException.class);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(rec.error()).contains("ConnectException");
            assertThat(standIn.requests).isEmpty();
            assertNoMoreRecords();
        }
    }

    @Test
    void anRxCallFallsBack() throws Exception {
        ReplicateStandIn standIn = new ReplicateStandIn();
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(true).build()) {
            Client c = clientFor(g).register(standIn, AigwFeature.PRIORITY + 1);
            String body = api(c, "/models/acme/echo/predictions").rx().post(json("{\"input\":{}}"), String.class)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(body).contains("direct-1");
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.predictionId()).isEqualTo("direct-1");
            assertThat(standIn.requests).hasSize(1);
            assertNoMoreRecords();
        }
    }
}
