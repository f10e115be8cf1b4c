package dev.aigw.testkit.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * State and lifecycle of the fake Replicate: predictions/trainings and files, next to the {@link ReplicateCatalog}.
 * One single-threaded scheduler drives every lifecycle, so events of one prediction are strictly ordered.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ReplicateEngine {
    public record StoredFile(String id, String name, String contentType, FileContent content, Object metadata,
                             Instant createdAt) {
    }

    private final ReplicateCatalog catalog = new ReplicateCatalog();
    private final Map<String, Prediction> predictions = new ConcurrentHashMap<>();
    private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledThreadPoolExecutor scheduler;
    private final WebhookSender webhooks;
    private final Supplier<String> publicBase;
    private final Supplier<String> localRoot;
    private volatile boolean stopping;

    public ReplicateEngine(String threadName, String webhookSecret, Supplier<String> publicBase,
                           Supplier<String> localRoot, java.util.function.Consumer<WebhookSender.Attempt> deliveries) {
        this.publicBase = publicBase;
        this.localRoot = localRoot;
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName + "-lifecycle");
            t.setDaemon(true);
            return t;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.webhooks = new WebhookSender(threadName + "-webhooks", scheduler, webhookSecret, deliveries);
    }

    /** Models, deployments, collections: what predictions run on. */
    public ReplicateCatalog catalog() {
        return catalog;
    }

    // ---- predictions -----------------------------------------------------------------------------------------

    public Prediction get(String id, Prediction.Kind kind) {
        Prediction p = predictions.get(id);
        return p != null && p.kind == kind ? p : null;
    }

    public List<Prediction> list(Prediction.Kind kind) {
        List<Prediction> list = new ArrayList<>();
        for (Prediction p : predictions.values()) {
            if (p.kind == kind) {
                list.add(p);
            }
        }
        list.sort(Comparator.comparingLong((Prediction p) -> p.seq).reversed());
        return list;
    }

    /** A succeeded example prediction of the model (spec §2 models.examples.list), kept with the model. */
    public void example(ModelDef m, Object input, Object output) {
        Prediction p = new Prediction(Ids.predictionId(), sequence.incrementAndGet(), Prediction.Kind.PREDICTION,
                m.snapshot(), input, null, null, null, null, false, null);
        synchronized (p) {
            p.status = "succeeded";
            p.output = output;
            p.startedAt = p.createdAt;
            p.completedAt = p.createdAt;
        }
        m.addExample(json(p));
    }

    /** Whether a prediction of this deployment is still running. */
    public boolean running(String deployment) {
        return predictions.values().stream().anyMatch(p -> deployment.equals(p.deployment) && !p.terminal());
    }

    /** Whether a training used this version as its base (then the version cannot be deleted, spec §2). */
    public boolean trainedFrom(String version) {
        return predictions.values().stream().anyMatch(p -> p.kind == Prediction.Kind.TRAINING
                && version.equals(p.spec.version()));
    }

    /** Version deletion takes its predictions with it (spec §2 models.versions.delete). */
    public void removePredictionsOf(String version) {
        predictions.values().removeIf(p -> version.equals(p.spec.version()));
    }

    public Prediction create(Prediction.Kind kind, ModelDef.Snapshot spec, Object input, String deployment,
                             Duration cancelAfter, String webhook, Set<String> filter, boolean sync,
                             String destination) {
        Instant deadline = cancelAfter == null ? null : Instant.now().plus(cancelAfter);
        Prediction p = new Prediction(Ids.predictionId(), sequence.incrementAndGet(), kind, spec, input, deployment, deadline, webhook, filter,
                sync, destination);
        predictions.put(p.id, p);
        long boot = spec.boot().toMillis();
        long dur = spec.duration().toMillis();
        schedule(boot, () -> start(p));
        List<String> tokens = spec.tokens();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            // Spread tokens strictly inside the processing window so completion comes last.
            schedule(boot + dur * (i + 1) / (tokens.size() + 1), () -> token(p, token));
        }
        schedule(boot + dur, () -> complete(p));
        if (cancelAfter != null) {
            schedule(cancelAfter.toMillis(), () -> deadline(p));
        }
        return p;
    }

    private void schedule(long delayMs, Runnable task) {
        if (!scheduler.isShutdown()) {
            scheduler.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        }
    }

    private void start(Prediction p) {
        synchronized (p) {
            if (p.terminal()) {
                return;
            }
            p.status = "processing";
            p.startedAt = Instant.now();
            for (String line : p.spec.logs()) {
                p.logs.append(line).append('\n');
                p.event("logs", line);
            }
            p.notifyAll();
        }
        notifyWebhook(p, "start");
        if (!p.spec.logs().isEmpty()) {
            notifyWebhook(p, "logs");
        }
    }

    private void token(Prediction p, String token) {
        synchronized (p) {
            if (p.terminal()) {
                return;
            }
            p.chunks.add(token);
            p.output = List.copyOf(p.chunks);
            p.event("output", token);
        }
        notifyWebhook(p, "output");
    }

    private void complete(Prediction p) {
        synchronized (p) {
            if (p.terminal()) {
                return;
            }
            p.completedAt = Instant.now();
            if (p.startedAt == null) {
                p.startedAt = p.completedAt;
            }
            if (p.spec.failure() != null) {
                p.status = "failed";
                p.error = p.spec.failure();
                p.event("error", Json.string(Map.of("detail", p.error)));
                p.event("done", Json.string(Map.of("reason", "error")));
            } else {
                p.output = finalOutput(p);
                if (p.spec.tokens().isEmpty() && p.output != null) {
                    // Non-token models still stream their output: one event per element (file streams carry URLs).
                    for (Object o : p.output instanceof List<?> l ? l : List.of(p.output)) {
                        p.event("output", o instanceof String s ? s : Json.string(o));
                    }
                }
                p.status = "succeeded";
                p.event("done", "{}");
            }
            p.notifyAll();
        }
        notifyWebhook(p, "completed");
    }

    private Object finalOutput(Prediction p) {
        ModelDef.Snapshot s = p.spec;
        if (p.kind == Prediction.Kind.TRAINING) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("version", p.destination + ":" + ModelDef.sha256Hex(p.id));
            out.put("weights", localRoot.get() + "/delivery/" + p.id + "/weights.tar");
            return out;
        }
        if (s.outputSet()) {
            return s.output();
        }
        if (!s.files().isEmpty()) {
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < s.files().size(); i++) {
                ModelDef.FileOut f = s.files().get(i);
                urls.add(p.dataUriFiles
                        ? "data:" + f.contentType() + ";base64," + Base64.getEncoder().encodeToString(f.bytes())
                        : localRoot.get() + "/delivery/" + p.id + "/" + fileName(i, f.contentType()));
            }
            return urls;
        }
        return s.tokens().isEmpty() ? null : List.copyOf(p.chunks);
    }

    public static String fileName(int index, String contentType) {
        String ext = contentType.contains("/") ? contentType.substring(contentType.indexOf('/') + 1) : "bin";
        return "out-" + index + "." + ext.replaceAll("[^a-z0-9]", "");
    }

    /** Cancels; an already-terminal prediction is returned unchanged (UNCONFIRMED, see README). */
    public void cancel(Prediction p) {
        finish(p, "canceled");
    }

    private void deadline(Prediction p) {
        String status;
        synchronized (p) {
            status = "starting".equals(p.status) ? "aborted" : "canceled";
        }
        finish(p, status);
    }

    private void finish(Prediction p, String status) {
        synchronized (p) {
            if (p.terminal()) {
                return;
            }
            p.status = status;
            p.completedAt = Instant.now();
            p.event("done", Json.string(Map.of("reason", status)));
            p.notifyAll();
        }
        notifyWebhook(p, "completed");
    }

    /** Blocks until the prediction is terminal or the timeout passed (Prefer: wait). */
    public void awaitTerminal(Prediction p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (p) {
            while (!p.terminal() && !stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                p.wait(Math.max(1, Math.min(left / 1_000_000, 500)));
            }
        }
    }

    /** Next SSE event at {@code index}, waiting for it; null when the fake stops. */
    public Prediction.Event awaitEvent(Prediction p, int index) throws InterruptedException {
        synchronized (p) {
            while (index >= p.events.size()) {
                if (stopping) {
                    return null;
                }
                p.wait(500);
            }
            return p.events.get(index);
        }
    }

    // ---- webhooks --------------------------------------------------------------------------------------------

    private boolean wants(Prediction p, String event) {
        if (p.webhook == null) {
            return false;
        }
        return p.webhookFilter == null ? event.equals("output") || event.equals("completed")
                : p.webhookFilter.contains(event);
    }

    private void notifyWebhook(Prediction p, String event) {
        if (!wants(p, event)) {
            return;
        }
        if (event.equals("output") || event.equals("logs")) {
            // At most one output/logs webhook per 500 ms (spec §6); a pending flush sends the latest state.
            long now = System.nanoTime();
            synchronized (p) {
                if (p.webhookFlushScheduled) {
                    return;
                }
                long since = now - p.lastIntermediateWebhookNanos;
                if (since < TimeUnit.MILLISECONDS.toNanos(500)) {
                    p.webhookFlushScheduled = true;
                    schedule(500 - TimeUnit.NANOSECONDS.toMillis(since), () -> {
                        synchronized (p) {
                            p.webhookFlushScheduled = false;
                            if (p.terminal()) {
                                return;
                            }
                            p.lastIntermediateWebhookNanos = System.nanoTime();
                        }
                        webhooks.send(p.webhook, event, Json.bytes(json(p)), false);
                    });
                    return;
                }
                p.lastIntermediateWebhookNanos = now;
            }
        }
        webhooks.send(p.webhook, event, Json.bytes(json(p)), event.equals("completed"));
    }

    // ---- JSON ------------------------------------------------------------------------------------------------

    public Map<String, Object> json(Prediction p) {
        String base = publicBase.get();
        String collection = p.kind == Prediction.Kind.TRAINING ? "/trainings/" : "/predictions/";
        synchronized (p) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.id);
            m.put("model", p.spec.fullName());
            m.put("version", p.spec.version());
            m.put("input", p.input);
            m.put("logs", p.logs.toString());
            m.put("output", p.output);
            m.put("data_removed", false);
            m.put("error", p.error);
            m.put("status", p.status);
            m.put("source", "api");
            m.put("created_at", p.createdAt.toString());
            m.put("started_at", p.startedAt == null ? null : p.startedAt.toString());
            m.put("completed_at", p.completedAt == null ? null : p.completedAt.toString());
            if (p.deadline != null) {
                m.put("deadline", p.deadline.toString());
            }
            if (p.deployment != null) {
                m.put("deployment", p.deployment);
            }
            if (p.webhook != null) {
                m.put("webhook", p.webhook);
                m.put("webhook_events_filter", p.webhookFilter == null ? List.of("output", "completed")
                        : List.copyOf(p.webhookFilter));
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            if (p.completedAt != null) {
                metrics.put("predict_time", seconds(p.startedAt, p.completedAt));
                metrics.put("total_time", seconds(p.createdAt, p.completedAt));
            }
            m.put("metrics", metrics);
            Map<String, Object> urls = new LinkedHashMap<>();
            urls.put("get", base + collection + p.id);
            urls.put("cancel", base + collection + p.id + "/cancel");
            urls.put("web", "https://replicate.com/p/" + p.id);
            if (p.spec.streaming() && p.kind == Prediction.Kind.PREDICTION) {
                urls.put("stream", localRoot.get() + "/stream/v1/predictions/" + p.id);
            }
            m.put("urls", urls);
            return m;
        }
    }

    private static double seconds(Instant from, Instant to) {
        return from == null ? 0.0 : Duration.between(from, to).toNanos() / 1e9;
    }

    // ---- files -----------------------------------------------------------------------------------------------

    public StoredFile putFile(StoredFile f) {
        files.put(f.id(), f);
        return f;
    }

    public StoredFile file(String id) {
        return files.get(id);
    }

    public boolean deleteFile(String id) {
        return files.remove(id) != null;
    }

    public List<StoredFile> files() {
        List<StoredFile> list = new ArrayList<>(files.values());
        list.sort(Comparator.comparing(StoredFile::createdAt).reversed().thenComparing(StoredFile::id));
        return list;
    }

    public Map<String, Object> fileJson(StoredFile f) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", f.id());
        j.put("name", f.name());
        j.put("content_type", f.contentType());
        j.put("size", f.content().size());
        j.put("etag", f.content().md5());
        j.put("checksums", Map.of("sha256", f.content().sha256(), "md5", f.content().md5()));
        j.put("metadata", f.metadata());
        j.put("created_at", f.createdAt().toString());
        j.put("expires_at", f.createdAt().plus(Duration.ofHours(24)).toString());
        j.put("urls", Map.of("get", publicBase.get() + "/files/" + f.id()));
        return j;
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------

    /** Forgets predictions, trainings and files (the catalogue restores its own script). */
    public void resetData() {
        predictions.clear();
        files.clear();
    }

    public void stop() {
        stopping = true;
        for (Prediction p : predictions.values()) {
            synchronized (p) {
                p.notifyAll();
            }
        }
        scheduler.shutdownNow();
        webhooks.stop();
        try {
            scheduler.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
