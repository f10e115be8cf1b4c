package dev.aigw.testkit.internal;

import dev.aigw.testkit.RecordedRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP surface of the fake Replicate (spec §2), routed by hand over Jetty's core API.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ReplicateHandler extends Handler.Abstract {
    public record Config(Set<String> tokens, String webhookSecret, int pageSize, long maxFileSize,
                         Duration minCancelAfter, int bodyCap, boolean retryAfterHeader,
                         Duration deploymentIdleBeforeDelete) {
    }

    private final Config config;
    private final ReplicateCatalog catalog;
    private final FaultPlan faults;
    private final RequestJournal<RecordedRequest> journal;
    private final PredictionsApi predictions;
    private final ModelsApi models;
    private final DeploymentsApi deployments;
    private final FilesApi files;
    private final CollectionsApi collections;
    private final AtomicInteger throttleAll = new AtomicInteger();
    private final AtomicInteger throttleCreates = new AtomicInteger();
    private volatile int retryAfterSeconds = 5;
    private volatile boolean billingRequired;

    public ReplicateHandler(Config config, ReplicateEngine engine, FaultPlan faults,
                            RequestJournal<RecordedRequest> journal, java.util.function.Supplier<String> publicBase) {
        this.config = config;
        this.catalog = engine.catalog();
        this.faults = faults;
        this.journal = journal;
        Replies replies = new Replies(config.pageSize(), publicBase);
        this.predictions = new PredictionsApi(engine, replies, config.minCancelAfter());
        this.models = new ModelsApi(engine, replies, predictions);
        this.deployments = new DeploymentsApi(engine, replies, predictions, config.deploymentIdleBeforeDelete());
        this.files = new FilesApi(engine, replies, config.maxFileSize());
        this.collections = new CollectionsApi(catalog, replies, models);
    }

    public void throttle(int n, Duration retryAfter, boolean createsOnly) {
        retryAfterSeconds = (int) Math.max(1, retryAfter.toSeconds());
        (createsOnly ? throttleCreates : throttleAll).set(n);
    }

    public void billingRequired(boolean on) {
        billingRequired = on;
    }

    public void reset() {
        throttleAll.set(0);
        throttleCreates.set(0);
        billingRequired = false;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            long limit = config.maxFileSize() + 64 * 1024; // multipart framing on top of the file itself
            if (declared > limit) {
                journal.add(Http.record(request, new byte[0], declared, 0));
                Replies.tooLarge(response, callback);
                return true;
            }
            Http.Body body = Http.readBody(request, limit);
            journal.add(Http.record(request, body.bytes(), body.bytes().length, config.bodyCap()));
            if (body.truncated()) {
                Replies.tooLarge(response, callback);
                return true;
            }
            Response out = faults.apply(request, response, callback,
                    (r, c, status) -> Replies.problem(r, c, status, "Internal Server Error", "Injected fault", null));
            if (out != null) {
                route(request, out, callback, body.bytes());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (Throwable t) {
            callback.failed(t);
        }
        return true;
    }

    private void route(Request req, Response resp, Callback cb, byte[] body) throws Exception {
        String path = req.getHttpURI().getPath();
        String method = req.getMethod();
        List<String> seg = segments(path);
        if (seg.size() == 3 && seg.get(0).equals("delivery") && method.equals("GET")) {
            predictions.delivery(resp, cb, seg.get(1), seg.get(2));
            return;
        }
        if (seg.size() == 4 && seg.get(0).equals("stream") && seg.get(2).equals("predictions")) {
            predictions.stream(req, resp, cb, seg.get(3));
            return;
        }
        if (seg.isEmpty() || !seg.get(0).equals("v1")) {
            Replies.notFound(resp, cb);
            return;
        }
        seg = seg.subList(1, seg.size());
        if (seg.size() == 3 && seg.get(0).equals("files") && seg.get(2).equals("download") && method.equals("GET")) {
            files.download(req, resp, cb, seg.get(1));
            return;
        }
        if (!authorized(req)) {
            Replies.problem(resp, cb, 401, "Unauthenticated", "You did not pass a valid authentication token", null);
            return;
        }
        boolean isCreate = method.equals("POST") && (path.equals("/v1/predictions")
                || (seg.size() == 4 && seg.get(3).equals("predictions")
                && (seg.get(0).equals("models") || seg.get(0).equals("deployments"))));
        resp.getHeaders().put("ratelimit-remaining", isCreate ? "599" : "2999");
        resp.getHeaders().put("ratelimit-reset", "1");
        if (takeOne(throttleAll) || (isCreate && takeOne(throttleCreates))) {
            int s = retryAfterSeconds;
            resp.getHeaders().put("ratelimit-remaining", "0");
            resp.getHeaders().put("ratelimit-reset", Integer.toString(s));
            if (config.retryAfterHeader()) {
                resp.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(s));
            }
            Replies.problem(resp, cb, 429, null, "Request was throttled. Your rate limit resets in ~" + s + "s.",
                    Map.of("retry_after", s));
            return;
        }
        if (isCreate && billingRequired) {
            Replies.problem(resp, cb, 402, "Billing required", "You need to set up billing to run this model. Go to "
                    + "https://replicate.com/account/billing#billing to set it up. If you have recently set up "
                    + "billing, please wait a few minutes before trying again.", null);
            return;
        }
        dispatch(req, resp, cb, body, method, seg);
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    private void dispatch(Request req, Response resp, Callback cb, byte[] body, String method, List<String> s)
            throws Exception {
        boolean handled = switch (s.isEmpty() ? "" : s.get(0)) {
            case "account" -> simple(resp, cb, method, s, 1, catalog.account());
            case "hardware" -> simple(resp, cb, method, s, 1, ReplicateCatalog.HARDWARE);
            case "webhooks" -> simple(resp, cb, method, s, 3, s.size() == 3 && s.get(1).equals("default")
                    && s.get(2).equals("secret") ? Map.of("key", config.webhookSecret()) : null);
            case "predictions", "trainings" -> predictions.route(req, resp, cb, body, method, s);
            case "models" -> models.route(req, resp, cb, body, method, s);
            case "deployments" -> deployments.route(req, resp, cb, body, method, s);
            case "files" -> files.route(req, resp, cb, body, method, s);
            case "collections", "search" -> collections.route(req, resp, cb, method, s);
            default -> false;
        };
        if (!handled) {
            Replies.notFound(resp, cb);
        }
    }

    /** A {@code GET} of a fixed answer at a path of {@code size} segments; {@code answer} null: no such route. */
    private static boolean simple(Response resp, Callback cb, String method, List<String> s, int size, Object answer) {
        if (!method.equals("GET") || s.size() != size || answer == null) {
            return false;
        }
        Http.sendJson(resp, cb, 200, answer);
        return true;
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private boolean authorized(Request req) {
        String auth = Http.header(req, "Authorization");
        if (auth == null) {
            return false;
        }
        int space = auth.indexOf(' ');
        if (space < 0) {
            return false;
        }
        String scheme = auth.substring(0, space);
        return (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("Token"))
                && config.tokens().contains(auth.substring(space + 1).trim());
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

}
