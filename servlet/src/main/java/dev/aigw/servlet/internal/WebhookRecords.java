package dev.aigw.servlet.internal;

import dev.aigw.CallOptions;
import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.Provider;
import dev.aigw.internal.JsonSniffer;
import dev.aigw.internal.Sniffed;
import jakarta.servlet.http.HttpServletRequest;

import java.net.URI;
import java.util.List;

/**
 * The record of a webhook delivery ({@code Gateway.webhook}: method {@code WEBHOOK}, via {@code WEBHOOK}), the
 * prediction's fields, the handler's status.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class WebhookRecords {
    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private WebhookRecords() {
    }

    /** The fields of a webhook body (a prediction), read once. */
    public static Sniffed sniff(byte[] body) {
        JsonSniffer sniffer = new JsonSniffer();
        sniffer.feed(body, 0, body.length);
        sniffer.finish();
        return sniffer.result();
    }

    /** Emits one record to the gateway's listeners, with {@code notes} (may be empty). Never throws. */
    public static void emit(Gateway gateway, int status, byte[] body, Sniffed fields, CallOptions creatorOptions,
                            HttpServletRequest req, List<String> notes) {
        try {
            String path = fields.id() == null ? "/predictions" : "/predictions/" + encodeId(fields.id());
            Exchange x = gateway.webhook(Provider.REPLICATE, path, URI.create(req.getRequestURL().toString()),
                    creatorOptions);
            notes.forEach(x::note);
            x.responseHead(status, h -> h.equalsIgnoreCase("Content-Type") ? "application/json" : null);
            x.responseBody(body, 0, body.length);
            x.complete();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "aigw: could not record a webhook: " + gateway.redact(String.valueOf(
                    e.getMessage())));
        }
    }

    private static String encodeId(String id) {
        StringBuilder sb = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' ? c : '_');
        }
        return sb.toString();
    }
}
