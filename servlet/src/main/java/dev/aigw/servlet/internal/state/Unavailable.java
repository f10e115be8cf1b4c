package dev.aigw.servlet.internal.state;

import dev.aigw.CallOptions;
import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.Route;
import dev.aigw.servlet.internal.WebhookRecords;
import dev.aigw.servlet.internal.proxy.Refusal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The answers aigw gives when its shared engine cannot be asked, and the records of those calls. The answers name no
 * engine detail (host, error): that goes to the call's record, which says what happened.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Unavailable {
    private Unavailable() {
    }

    /**
     * {@code aigw.state.on-failure=closed} and the rate limit could not be checked: a record of the proxy client's
     * call that is not sent ({@link Gateway#forward}: the model it names is that client's choice, as for any call the
     * proxy forwards), and the 503 with {@code Retry-After} to answer with.
     */
    public static Refusal rateLimitRefused(Gateway gateway, String method, Route route, String problem,
                                           long retryAfterSeconds) {
        Exchange x = gateway.forward(method, route, null);
        if (x != null) {
            x.note("rate limit not checked (" + problem + "); refused with 503: aigw.state.on-failure=closed");
            x.fail(new StateUnavailableException("not sent: the shared rate limit could not be checked"));
        }
        return Refusal.of(503, "rate_limit_unavailable", "the rate limit cannot be checked right now, and this proxy "
                + "refuses calls it cannot check; retry in " + retryAfterSeconds + " s")
                .with("Retry-After", Long.toString(retryAfterSeconds)).extra(Map.of("retry_after", retryAfterSeconds));
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
        Refusal.of(503, "webhook_replay_check_unavailable", "this delivery cannot be checked against replays right "
                + "now; it was not handed on, deliver it again later").with("Retry-After", "1")
                .extra(Map.of("retry_after", 1)).send(resp);
        if (gateway != null && gateway.enabled()) {
            WebhookRecords.emit(gateway, 503, body, WebhookRecords.sniff(body), CallOptions.NONE, req,
                    List.of("replay check unavailable (" + problem + "); answered 503, not handed on"));
        }
    }
}
