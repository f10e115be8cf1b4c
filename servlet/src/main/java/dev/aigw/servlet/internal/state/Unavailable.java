package dev.aigw.servlet.internal.state;

import dev.aigw.CallOptions;
import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.servlet.internal.Responses;
import dev.aigw.servlet.internal.WebhookRecords;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The answers aigw gives when its shared engine cannot be asked. They name no engine detail (host, error): that goes
 * to the call's record, which says what happened.
 */
public final class Unavailable {
    private Unavailable() {
    }

    /**
     * {@code aigw.state.on-failure=closed} and the rate limit could not be checked: 503 with {@code Retry-After}, and a
     * record of the call that was not sent.
     */
    public static void rateLimitRefused(Gateway gateway, String method, URI upstream, String problem,
                                        long retryAfterSeconds, HttpServletResponse resp) throws IOException {
        Exchange x = gateway.exchange(method, upstream, null);
        if (x != null) {
            x.note("rate limit not checked (" + problem + "); refused with 503: aigw.state.on-failure=closed");
            x.fail(new StateUnavailableException("not sent: the shared rate limit could not be checked"));
        }
        resp.setHeader("Retry-After", Long.toString(retryAfterSeconds));
        Responses.problem(resp, 503, "Service Unavailable", "the rate limit cannot be checked right now, and this "
                + "proxy refuses calls it cannot check; retry in " + retryAfterSeconds + " s", "rate_limit_unavailable",
                Map.of("retry_after", retryAfterSeconds));
    }

    /** The note on a call let through without a rate-limit check. */
    public static String rateLimitLetThrough(String problem) {
        return "rate limit not checked (" + problem + "); let through: aigw.state.on-failure=open";
    }

    /**
     * A webhook whose replay status could not be checked: 503 so that the sender delivers it again, and a record of
     * the delivery when there is a gateway.
     */
    public static void webhookRefused(Gateway gateway, byte[] body, String problem, HttpServletRequest req,
                                      HttpServletResponse resp) throws IOException {
        resp.setHeader("Retry-After", "1");
        Responses.problem(resp, 503, "Service Unavailable", "this delivery cannot be checked against replays right "
                + "now; it was not handed on, deliver it again later", "webhook_replay_check_unavailable",
                Map.of("retry_after", 1));
        if (gateway != null && gateway.enabled()) {
            WebhookRecords.emit(gateway, 503, body, WebhookRecords.sniff(body), CallOptions.NONE, req,
                    List.of("replay check unavailable (" + problem + "); answered 503, not handed on"));
        }
    }
}
