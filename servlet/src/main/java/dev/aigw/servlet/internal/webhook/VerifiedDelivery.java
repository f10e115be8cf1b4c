package dev.aigw.servlet.internal.webhook;

import dev.aigw.CallOptions;
import dev.aigw.GatewayContext;
import dev.aigw.internal.Sniffed;
import dev.aigw.servlet.internal.CreatorIndex;
import dev.aigw.servlet.internal.WebhookRecords;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hand-on side of one {@link WebhookDelivery}: once its body is verified, the request the application gets (the
 * body, the attributes, its creator's context), the application's handler run on it, and what its answer means —
 * the id accepted or forgotten, the completion recorded, once. Its state is under the lock of this object.
 *
 * <p>Internal: not API, may change in any release.
 */
final class VerifiedDelivery {
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled", "aborted");

    private final WebhookConfig cfg;
    private final HttpServletRequest req;
    private final String id;
    private final BufferedBodyRequest wrapped;
    /** The context of the delivery's own request: the completion record's span is parented to it on any thread. */
    private final GatewayContext.Snapshot received = GatewayContext.capture();
    private boolean handedOn; // guarded by this, as the fields down to notes
    private boolean finished;
    private Sniffed fields;
    private CallOptions creatorOptions = CallOptions.NONE;
    private final List<String> notes = new ArrayList<>(0); // what the record says about the shared state

    /** Made on the delivery's own request thread, whose context {@link #received} keeps. */
    VerifiedDelivery(WebhookConfig cfg, HttpServletRequest req, String id) {
        this.cfg = cfg;
        this.req = req;
        this.id = id;
        this.wrapped = new BufferedBodyRequest(req);
    }

    /** The verified body, attributes and creator's context for the application. */
    void prepare(byte[] bytes) {
        wrapped.body(bytes);
        Sniffed sniffed = WebhookRecords.sniff(bytes);
        CreatorIndex.Lookup found = cfg.creators() == null ? new CreatorIndex.Lookup(null, null)
                : cfg.creators().apply(sniffed.id());
        Map<String, Object> creator = found.metadata();
        synchronized (this) {
            if (found.unavailable() != null) {
                notes.add("creator not known (" + found.unavailable() + ")");
            }
            fields = sniffed;
            creatorOptions = creator == null || creator.isEmpty() ? CallOptions.NONE
                    : CallOptions.builder().metadata(creator).build();
        }
        req.setAttribute(WebhookReception.VERIFIED_ATTRIBUTE, Boolean.TRUE);
        req.setAttribute(WebhookReception.WEBHOOK_ID_ATTRIBUTE, id);
        if (creator != null) {
            req.setAttribute(WebhookReception.CREATOR_ATTRIBUTE, creator);
        }
    }

    /** From here on the application's answer decides: also when the dispatch skips us. */
    synchronized void markHandedOn() {
        handedOn = true;
    }

    synchronized boolean isHandedOn() {
        return handedOn;
    }

    /**
     * Runs the application's handler on the verified request, in the creator's context; {@code unheard}, when not
     * null, is added as the listener of an async life the handler starts (the blocking read added none).
     */
    void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain, AsyncListener unheard)
            throws IOException, ServletException {
        boolean async = false;
        try (GatewayContext.Scope scope = GatewayContext.open(creatorOptions)) {
            chain.doFilter(request, response);
            async = request.isAsyncStarted();
            if (async && unheard != null) {
                request.getAsyncContext().addListener(unheard);
            }
        } catch (IOException | ServletException | RuntimeException | Error e) {
            finished(500);
            throw e;
        }
        if (!async) {
            // the handler is done: tell the replay memory before the container ends the answer, so that a sender
            // who retries the moment it has the answer finds the id accepted on every instance, not still in flight
            finished(response.getStatus());
        }
    }

    /** The application answered {@code status}: the id accepted (2xx) or forgotten, the completion recorded; once. */
    void finished(int status) {
        synchronized (this) {
            if (finished || !handedOn) {
                return;
            }
            finished = true;
        }
        boolean ok = status >= 200 && status < 300;
        List<String> said;
        synchronized (this) {
            // a failure to tell the shared state is retried there; meanwhile the id stays in flight
            if (!(ok ? cfg.replays().accepted(id) : cfg.replays().rejected(id))) {
                notes.add("replay memory not updated (" + cfg.replays().problem() + "); " + (ok ? "accepted"
                        : "forgotten") + " when the shared state answers again");
            }
            said = List.copyOf(notes);
        }
        boolean terminal = ok && fields.id() != null && fields.status() != null
                && TERMINAL.contains(fields.status());
        if (cfg.gateway() != null && cfg.gateway().enabled() && (terminal || !said.isEmpty())) {
            try (GatewayContext.Scope s = received.apply()) {
                // one record of the delivery: the finished prediction with its creator's metadata
                WebhookRecords.emit(cfg.gateway(), status, wrapped.body(), fields, creatorOptions, req, said);
            }
        }
    }

    /** The request as the application sees it: with the verified body. */
    HttpServletRequest request() {
        return wrapped;
    }
}
