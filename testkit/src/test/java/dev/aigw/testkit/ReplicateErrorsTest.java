package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicateErrorsTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create().replicate(b -> b.token("r8_custom"));
    static final TestHttp http = new TestHttp("r8_custom");
    final FakeReplicate replicate = kit.replicate();
    final String base = replicate.baseUrl().toString();

    @BeforeAll
    static void script() {
        kit.replicate().model("acme/echo").requiredInput("prompt");
    }

    @Test
    void bearerAndTokenSchemesAreAcceptedAndAnythingElseIs401() {
        assertThat(http.get(base + "/account").statusCode()).isEqualTo(200);
        TestHttp legacy = new TestHttp(null);
        assertThat(legacy.get(base + "/account", "Authorization", "Token r8_custom").statusCode()).isEqualTo(200);
        for (String auth : new String[] {null, "Bearer wrong", "Basic r8_custom", "r8_custom",
                "Bearer " + FakeReplicate.DEFAULT_TOKEN}) {
            HttpResponse<String> r = auth == null ? legacy.get(base + "/predictions")
                    : legacy.get(base + "/predictions", "Authorization", auth);
            assertThat(r.statusCode()).as(String.valueOf(auth)).isEqualTo(401);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode body = TestHttp.json(r);
            assertThat(body.path("title").asText()).isEqualTo("Unauthenticated");
            assertThat(body.path("detail").asText()).isEqualTo("You did not pass a valid authentication token");
            assertThat(body.path("status").asInt()).isEqualTo(401);
        }
    }

    @Test
    void validationErrorsListInvalidFields() {
        HttpResponse<String> r = http.post(base + "/predictions",
                "{\"version\":\"acme/echo\",\"model\":\"x\",\"webhook_events_filter\":[\"bogus\"]}");
        assertThat(r.statusCode()).isEqualTo(422);
        JsonNode body = TestHttp.json(r);
        assertThat(body.path("title").asText()).isEqualTo("Input validation failed");
        assertThat(body.path("status").asInt()).isEqualTo(422);
        assertThat(body.path("invalid_fields").findValuesAsText("type"))
                .contains("additional_property_not_allowed", "required", "enum");
        assertThat(body.path("detail").asText()).contains("Additional property model is not allowed");

        JsonNode missingPrompt = TestHttp.json(http.post(base + "/models/acme/echo/predictions", "{\"input\":{}}"));
        assertThat(missingPrompt.path("invalid_fields").get(0).path("field").asText()).isEqualTo("input");
        assertThat(missingPrompt.path("invalid_fields").get(0).path("description").asText())
                .isEqualTo("prompt is required");
        assertThat(http.post(base + "/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"p\"}}").statusCode())
                .isEqualTo(201);
    }

    @Test
    void billingSwitchGives402OnCreatesOnly() {
        replicate.billingRequired(true);
        HttpResponse<String> r = http.post(base + "/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"p\"}}");
        assertThat(r.statusCode()).isEqualTo(402);
        assertThat(TestHttp.json(r).path("title").asText()).isEqualTo("Billing required");
        assertThat(http.get(base + "/predictions").statusCode()).isEqualTo(200);
        replicate.billingRequired(false);
        assertThat(http.post(base + "/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"p\"}}").statusCode())
                .isEqualTo(201);
    }

    @Test
    void throttlingGives429WithRetryAfterAndRateLimitHeaders() {
        replicate.throttleNextCreates(2, Duration.ofSeconds(7));
        assertThat(http.get(base + "/predictions").statusCode()).isEqualTo(200); // not a create
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = http.post(base + "/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"p\"}}");
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("ratelimit-remaining")).hasValue("0");
            assertThat(r.headers().firstValue("ratelimit-reset")).hasValue("7");
            JsonNode body = TestHttp.json(r);
            assertThat(body.path("retry_after").asInt()).isEqualTo(7);
            assertThat(body.path("detail").asText()).isEqualTo("Request was throttled. Your rate limit resets in ~7s.");
        }
        assertThat(http.post(base + "/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"p\"}}").statusCode())
                .isEqualTo(201);

        assertThat(http.get(base + "/hardware").headers().firstValue("Retry-After")).isEmpty();
        try (FakeReplicate withHeader = FakeReplicate.builder().retryAfterHeader(true).start()) {
            withHeader.throttleNext(1, Duration.ofSeconds(3));
            HttpResponse<String> r = new TestHttp(FakeReplicate.DEFAULT_TOKEN).get(withHeader.baseUrl() + "/account");
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("3");
        }

        replicate.throttleNext(1, Duration.ofSeconds(1));
        assertThat(http.get(base + "/hardware").statusCode()).isEqualTo(429);
        HttpResponse<String> ok = http.get(base + "/hardware");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("ratelimit-remaining")).hasValue("2999");
        assertThat(ok.headers().firstValue("ratelimit-reset")).hasValue("1");
    }

    @Test
    void unknownThingsAre404ProblemJson() {
        for (String path : new String[] {"/predictions/nope", "/trainings/nope", "/models/a/b", "/files/nope",
                "/no/such/endpoint"}) {
            HttpResponse<String> r = http.get(base + path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
        assertThat(TestHttp.json(http.get(base + "/files/nope")).path("detail").asText()).isEqualTo("File not found");
    }
}
