package dev.aigw.testkit;

/**
 * One webhook POST attempt made by {@link FakeReplicate}. {@code status} is the receiver's HTTP status or -1 on a
 * network error; {@code webhookId} is stable across retries of the same message.
 */
public record WebhookDelivery(String url, String webhookId, String event, int attempt, int status, String body) {
}
