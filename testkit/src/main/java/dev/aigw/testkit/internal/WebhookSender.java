package dev.aigw.testkit.internal;

import dev.aigw.testkit.ReplicateWebhooks;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * POSTs signed webhook messages. {@code webhook-id} stays the same across retries (spec §6) while timestamp and
 * signature are recomputed per attempt. Terminal ({@code completed}) messages are retried on network errors and
 * non-2xx answers (3 attempts, 250 ms doubling); intermediate ones are not (UNCONFIRMED schedule, see README).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class WebhookSender {
    /** One attempt, reported to the fake's delivery journal. status = -1 on a network error. */
    public record Attempt(String url, String webhookId, String event, int attempt, int status, String body) {
    }

    private final HttpClient client = new HttpClient();
    private final ScheduledExecutorService scheduler;
    private final String secret;
    private final Consumer<Attempt> journal;

    public WebhookSender(String threadName, ScheduledExecutorService scheduler, String secret, Consumer<Attempt> journal) {
        this.scheduler = scheduler;
        this.secret = secret;
        this.journal = journal;
        QueuedThreadPool pool = new QueuedThreadPool(8, 1);
        pool.setName(threadName);
        pool.setDaemon(true);
        client.setExecutor(pool);
        client.setScheduler(new ScheduledExecutorScheduler(threadName + "-scheduler", true));
        client.setFollowRedirects(false); // Replicate does not follow redirects for webhooks
        client.setUserAgentField(null);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void send(String url, String event, byte[] body, boolean retry) {
        attempt(url, "msg_" + Ids.predictionId(), event, body, 1, retry ? 3 : 1);
    }

    private void attempt(String url, String id, String event, byte[] body, int n, int max) {
        long ts = Instant.now().getEpochSecond();
        try {
            client.newRequest(url).method(HttpMethod.POST)
                    .timeout(10, TimeUnit.SECONDS)
                    .headers(h -> h.put("webhook-id", id)
                            .put("webhook-timestamp", Long.toString(ts))
                            .put("webhook-signature", ReplicateWebhooks.sign(secret, id, ts, body))
                            .put("User-Agent", "Replicate-Webhooks/testkit"))
                    .body(new BytesRequestContent("application/json", body))
                    .send((Result r) -> {
                        int status = r.isFailed() || r.getResponse() == null ? -1 : r.getResponse().getStatus();
                        journal.accept(new Attempt(url, id, event, n, r.isFailed() ? -1 : status, Http.utf8(body)));
                        boolean ok = !r.isFailed() && status >= 200 && status < 300;
                        if (!ok && n < max && !scheduler.isShutdown()) {
                            scheduler.schedule(() -> attempt(url, id, event, body, n + 1, max),
                                    250L << (n - 1), TimeUnit.MILLISECONDS);
                        }
                    });
        } catch (RuntimeException e) {
            journal.accept(new Attempt(url, id, event, n, -1, Http.utf8(body)));
        }
    }

    public void stop() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
