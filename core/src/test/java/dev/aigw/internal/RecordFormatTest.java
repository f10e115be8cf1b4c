package dev.aigw.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RecordFormatTest {
    private static ExchangeRecord record(String error) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("user", "u\"1\n");
        meta.put("tier", 2);
        return new ExchangeRecord(Instant.parse("2026-11-24T10:00:00Z"), "POST", "https://api.replicate.com/v1/predictions",
                "https://gw/v1/a/g/replicate/predictions", "replicate", ExchangeRecord.Via.GATEWAY, "acme/echo", "p1",
                "starting", 201, "01JLOG", "MISS", null, null, meta, List.of("dropped"), 10, 20, Duration.ofMillis(12),
                Duration.ofNanos(34_567_890), Map.of("predict_time", 1.5), ExchangeRecord.Outcome.SUCCESS, error,
                null);
    }

    @Test
    void summaryIsOneReadableLine() {
        String s = RecordFormat.summary(record(null));
        assertThat(s).isEqualTo("aigw replicate POST https://api.replicate.com/v1/predictions -> 201 success via gateway"
                + " in 34.57 ms (headers 12.0 ms) model=acme/echo id=p1 status=starting cache=MISS log=01JLOG"
                + " meta={\"user\":\"u\\\"1\\n\",\"tier\":2} meta-dropped=[\"dropped\"] sent=10B received=20B");
    }

    /** Nothing a client or an upstream controls can break the summary line or make up a field in it. */
    @Test
    void summaryCannotBeForged() {
        String evil = "x\r\naigw replicate GET https://api.replicate.com/v1/account -> 200 success\u0085\u2028\u001b[31m";
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("k\n", evil);
        ExchangeRecord r = new ExchangeRecord(Instant.parse("2026-11-24T10:00:00Z"), "GET\n", "https://api.replicate.com"
                + "/v1/x\r\ny", null, "replicate", ExchangeRecord.Via.GATEWAY, evil, "id status=succeeded", evil, 200,
                evil, evil, evil, evil, meta, List.of(evil), 1, 2, null, Duration.ofMillis(1), Map.of(),
                ExchangeRecord.Outcome.FAILURE, evil, new ExchangeRecord.GatewayError(2003, evil));
        String s = RecordFormat.summary(r);
        assertThat(s).matches("[\\x20-\\x7e]+");
        assertThat(s).contains(" id=\"id status=succeeded\"").contains(" model=\"x\\r\\naigw replicate GET")
                .contains(" error=\"x\\r\\n").doesNotContain(" status=succeeded ").startsWith("aigw replicate \"GET\\n\" ");
    }

    @Test
    void jsonIsOneValidObjectPerLine() throws Exception {
        String j = RecordFormat.json(record("boom\r\nline"));
        assertThat(j).doesNotContain("\n").doesNotContain("\r").matches("[\\x20-\\x7e]+");
        Map<String, String> fields = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(j)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    p.skipChildren();
                    fields.put(name, "<nested>");
                } else {
                    fields.put(name, p.getText());
                }
            }
            assertThat(p.nextToken()).isNull();
        }
        assertThat(fields).containsEntry("method", "POST").containsEntry("http_status", "201")
                .containsEntry("total_time_ms", "34.57").containsEntry("error", "boom\r\nline")
                .containsEntry("metadata", "<nested>").containsEntry("metrics", "<nested>")
                .doesNotContainKey("event_id");
    }

    /** A forwarded call says so in the JSON form; the application's own calls carry no such field. */
    @Test
    void jsonSaysWhenACallWasForwardedForAnOutsideClient() {
        ExchangeRecord own = record(null);
        ExchangeRecord forwarded = with(own, own.notes(), true);
        assertThat(own.forwarded()).isFalse();
        assertThat(RecordFormat.json(forwarded)).contains(",\"via\":\"gateway\",\"forwarded\":true,");
        assertThat(RecordFormat.json(own)).doesNotContain("forwarded");
        assertThat(RecordFormat.summary(forwarded)).isEqualTo(RecordFormat.summary(own));
    }

    private static ExchangeRecord withNotes(ExchangeRecord base, List<String> notes) {
        return with(base, notes, base.forwarded());
    }

    private static ExchangeRecord with(ExchangeRecord base, List<String> notes, boolean forwarded) {
        return new ExchangeRecord(base.startedAt(), base.method(), base.url(), base.routedUrl(), base.provider(),
                base.via(), base.model(), base.predictionId(), base.predictionStatus(), base.httpStatus(),
                base.gatewayLogId(), base.cacheStatus(), base.eventId(), base.traceId(), base.metadata(),
                base.metadataDropped(), base.bytesSent(), base.bytesReceived(), base.timeToHeaders(), base.totalTime(),
                base.metrics(), base.outcome(), base.error(), base.gatewayError(), notes, forwarded);
    }

    @Test
    void notesFollowTheErrorInBothForms() {
        ExchangeRecord base = record(null);
        ExchangeRecord r = withNotes(base, List.of("rate limit not checked (redis: down)", "second"));
        assertThat(base.notes()).isEmpty();
        assertThat(RecordFormat.summary(base)).doesNotContain("notes=");
        assertThat(RecordFormat.summary(r)).endsWith(" notes=\"rate limit not checked (redis: down); second\"");
        assertThat(RecordFormat.json(r)).endsWith(",\"outcome\":\"success\",\"notes\":[\"rate limit not checked "
                + "(redis: down)\",\"second\"]}");
        assertThat(RecordFormat.json(base)).doesNotContain("notes");
    }

    /** A note carries an exception's text: it is escaped like every other value, so it cannot break the line. */
    @Test
    void notesCannotBreakTheSummaryLine() {
        ExchangeRecord base = record(null);
        ExchangeRecord r = withNotes(base, List.of("redis: \"down\"\r\naigw replicate GET x -> 200 success\u2028"));
        assertThat(RecordFormat.summary(r)).matches("[\\x20-\\x7e]+")
                .endsWith(" notes=\"redis: \\\"down\\\"\\r\\naigw replicate GET x -> 200 success\\u2028\"");
    }
}
