package dev.aigw.testkit;

import dev.aigw.testkit.internal.FaultPlan;
import dev.aigw.testkit.internal.FileContent;
import dev.aigw.testkit.internal.Ids;
import dev.aigw.testkit.internal.JettyServer;
import dev.aigw.testkit.internal.ReplicateCatalog;
import dev.aigw.testkit.internal.ReplicateCatalog.Step;
import dev.aigw.testkit.internal.ReplicateEngine;
import dev.aigw.testkit.internal.ReplicateHandler;
import dev.aigw.testkit.internal.RequestJournal;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A fake Replicate HTTP API on 127.0.0.1 (random port), written from the Replicate spec. Start it, script models,
 * point a client at {@link #baseUrl()} and inspect {@link #requests()}:
 * <pre>
 * try (FakeReplicate replicate = FakeReplicate.start()) {
 *     replicate.model("acme/echo").tokens("Once", " upon", " a time");
 *     // POST replicate.baseUrl() + "/predictions" with Authorization: Bearer r8_testkit_token
 * }
 * </pre>
 */
public final class FakeReplicate implements AutoCloseable {
    /** Token accepted when the builder sets none. */
    public static final String DEFAULT_TOKEN = "r8_testkit_token";
    /** The real API root, used in absolute URLs unless {@link Builder#useLocalUrls()} is set. */
    public static final URI REPLICATE_API = URI.create("https://api.replicate.com/v1");

    private final JettyServer server;
    private final ReplicateEngine engine;
    private final ReplicateHandler handler;
    private final FaultPlan faultPlan = new FaultPlan();
    private final Faults faults = new Faults(faultPlan);
    private final RequestJournal<RecordedRequest> requests = new RequestJournal<>();
    private final RequestJournal<WebhookDelivery> deliveries = new RequestJournal<>();
    private final String secret;
    private final Set<String> tokens;
    private volatile boolean stopped;

    private FakeReplicate(Builder b) {
        this.secret = b.webhookSecret != null ? b.webhookSecret
                : "whsec_" + Base64.getEncoder().encodeToString(Ids.randomBytes(24));
        this.tokens = b.tokens.isEmpty() ? Set.of(DEFAULT_TOKEN) : Set.copyOf(b.tokens);
        String name = "fake-replicate-" + Integer.toHexString(System.identityHashCode(this));
        String fixedBase = b.localUrls ? null : stripSlash(b.publicBaseUrl.toString());
        Supplier<String> publicBase = () -> fixedBase != null ? fixedBase : baseUrl().toString();
        this.engine = new ReplicateEngine(name, secret, publicBase, this::localRoot,
                a -> deliveries.add(new WebhookDelivery(a.url(), a.webhookId(), a.event(), a.attempt(), a.status(),
                        a.body())));
        this.handler = new ReplicateHandler(new ReplicateHandler.Config(tokens, secret, b.pageSize, b.maxFileSize,
                b.minCancelAfter, b.bodyCap, b.retryAfterHeader, b.deploymentIdleBeforeDelete), engine, faultPlan,
                requests, publicBase);
        this.server = new JettyServer(name, handler);
    }

    /** Starts a fake with defaults. */
    public static FakeReplicate start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** API root on loopback, e.g. {@code http://127.0.0.1:41234/v1}. */
    public URI baseUrl() {
        return URI.create(localRoot() + "/v1");
    }

    public int port() {
        return server.port();
    }

    private String localRoot() {
        return "http://127.0.0.1:" + server.port();
    }

    /** A token the fake accepts (the first configured one). */
    public String token() {
        return tokens.iterator().next();
    }

    /**
     * Scripts (or returns the script of) model {@code owner/name}; unscripted models answer 422. A model the API
     * created with this name stays served, now scripted, until {@link #reset()} replaces it with the scripted one (a
     * scripted model with defaults, plus the script's changes); one the API deleted is served again, with defaults.
     */
    public ModelScript model(String ownerSlashName) {
        engine.catalog().script(Step.ensure(ReplicateCatalog.key("model", ownerSlashName)),
                catalog -> catalog.model(ownerSlashName));
        return new ModelScript(ownerSlashName, engine);
    }

    /**
     * Declares deployment {@code owner/name} running model {@code ownerSlashModel} (scripted if needed), release 1 on
     * {@code gpu-t4} with 0..1 instances. It runs the model's latest version until a {@code PATCH} pins one. Listed,
     * shown, updated and deleted like one made by {@code POST /deployments}; {@link #reset()} brings it back as
     * scripted. Declaring it again (now or in a later test) replaces the served deployment, whoever made it, by a
     * new release 1.
     */
    public ModelScript deployment(String ownerSlashName, String ownerSlashModel) {
        engine.catalog().script(Step.set(ReplicateCatalog.key("deployment", ownerSlashName)),
                catalog -> catalog.deployment(ownerSlashName, ownerSlashModel));
        return model(ownerSlashModel);
    }

    /**
     * Scripts (or returns the script of) the collection with this slug (lowercase words joined by dashes), served by
     * {@code GET /collections}, {@code GET /collections/{slug}} and found by {@code GET /search}.
     */
    public CollectionScript collection(String slug) {
        engine.catalog().script(Step.ensure(ReplicateCatalog.key("collection", slug)),
                catalog -> catalog.collection(slug));
        return new CollectionScript(slug, engine.catalog());
    }

    /**
     * Stores a file of {@code size} bytes as if it had been uploaded, and returns its id. Its bytes are generated
     * while they are served — byte {@code i} is {@link #generatedByte(long) generatedByte(i)} — and never held, so a
     * test can download hundreds of megabytes through {@code GET /v1/files/{id}/download?owner&expiry&signature}
     * (listed and shown like any file; its checksums are computed on first show) without the fake's memory growing.
     */
    public String generatedFile(String name, String contentType, long size) {
        return engine.putFile(new ReplicateEngine.StoredFile(Ids.fileId(), Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(contentType, "contentType"), FileContent.generated(size), Map.of(),
                Instant.now())).id();
    }

    /** Byte {@code offset} of every {@link #generatedFile generated file}: {@code (byte) (offset % 251)}. */
    public static byte generatedByte(long offset) {
        return FileContent.generatedByte(offset);
    }

    /** The {@code whsec_...} key returned by {@code GET /webhooks/default/secret} and used to sign webhooks. */
    public String webhookSecret() {
        return secret;
    }

    public Faults faults() {
        return faults;
    }

    /** The next {@code n} authenticated API requests answer 429 with {@code retry_after} and rate-limit headers. */
    public FakeReplicate throttleNext(int n, Duration retryAfter) {
        handler.throttle(n, retryAfter, false);
        return this;
    }

    /** Like {@link #throttleNext} but only prediction creates are throttled. */
    public FakeReplicate throttleNextCreates(int n, Duration retryAfter) {
        handler.throttle(n, retryAfter, true);
        return this;
    }

    /** While on, prediction creates answer 402 "Billing required". */
    public FakeReplicate billingRequired(boolean on) {
        handler.billingRequired(on);
        return this;
    }

    /** Every request that reached the fake, oldest first. */
    public List<RecordedRequest> requests() {
        return requests.snapshot();
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Waits until at least {@code n} requests were recorded; throws {@link AssertionError} on timeout. */
    public List<RecordedRequest> awaitRequests(int n, Duration timeout) {
        return requests.await(n, timeout);
    }

    /** Every webhook POST attempt so far. */
    public List<WebhookDelivery> webhookDeliveries() {
        return deliveries.snapshot();
    }

    public List<WebhookDelivery> awaitWebhookDeliveries(int n, Duration timeout) {
        return deliveries.await(n, timeout);
    }

    /**
     * Clears recorded requests and deliveries, faults, throttling, billing, predictions and files, and serves the
     * scripted catalogue again: models, deployments and collections made through the API are gone, scripted ones
     * changed or deleted through the API are back as scripted (fields, versions, deployment release 1 following its
     * model's latest version).
     *
     * <p>The scripted catalogue is the outcome of every scripting call made so far — {@link #model},
     * {@link #deployment}, {@link #collection} and the calls on their scripts, also those made during earlier tests —
     * replayed in order onto an empty catalogue (a call that sets what an earlier one set, such as the same field of
     * a model or a deployment declared again, replaces it in the record, which so grows with the scripted catalogue,
     * not with the number of calls). So the catalogue's times start again: {@code created_at} of models,
     * versions and deployments is the time of the reset (a restored deployment counts its idle time before
     * {@code DELETE} from it), and example predictions get new ids. See {@link #model} and {@link ModelScript} for
     * scripting a model the API made or deleted.
     */
    public void reset() {
        requests.clear();
        deliveries.clear();
        faultPlan.clear();
        handler.reset();
        engine.resetData();
        engine.catalog().restoreScript();
    }

    /** How many scripting calls {@link #reset()} replays (for the tests of the record's bound). */
    int recordedScriptCalls() {
        return engine.catalog().recordedCalls();
    }

    /** Stops the server and all its threads; idempotent. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        engine.stop();
        faultPlan.clear(); // held requests are answered: nothing left for the server's stop to wait for
        server.stop();
    }

    @Override
    public void close() {
        stop();
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    public static final class Builder {
        private final Set<String> tokens = new LinkedHashSet<>();
        private URI publicBaseUrl = REPLICATE_API;
        private boolean localUrls;
        private String webhookSecret;
        private int pageSize = 100;
        private long maxFileSize = 100L * 1024 * 1024;
        private Duration minCancelAfter = Duration.ofSeconds(5);
        private int bodyCap = 1024 * 1024;
        private boolean retryAfterHeader;
        private Duration deploymentIdleBeforeDelete = Duration.ofMinutes(15);

        private Builder() {
        }

        /** Adds an accepted API token (Bearer or Token scheme). Default: {@link #DEFAULT_TOKEN}. */
        public Builder token(String token) {
            tokens.add(Objects.requireNonNull(token));
            return this;
        }

        /** Base of absolute URLs in responses ({@code urls.get}, {@code next}...). Default api.replicate.com. */
        public Builder publicBaseUrl(URI base) {
            this.publicBaseUrl = Objects.requireNonNull(base);
            this.localUrls = false;
            return this;
        }

        /** Absolute URLs point at this fake's own {@link #baseUrl()} (for clients without a routing layer). */
        public Builder useLocalUrls() {
            this.localUrls = true;
            return this;
        }

        /** Fixed {@code whsec_<base64>} secret instead of a random one. */
        public Builder webhookSecret(String secret) {
            this.webhookSecret = Objects.requireNonNull(secret);
            return this;
        }

        /** List page size (Replicate: 100). */
        public Builder pageSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("page size must be >= 1");
            }
            this.pageSize = size;
            return this;
        }

        /** Upload limit (Replicate: 100 MB) so a 413 test need not send 100 MB. */
        public Builder maxFileSize(long bytes) {
            this.maxFileSize = bytes;
            return this;
        }

        /** Smallest accepted {@code Cancel-After} (Replicate: 5 s); lower it for fast deadline tests. */
        public Builder cancelAfterMinimum(Duration min) {
            this.minCancelAfter = Objects.requireNonNull(min);
            return this;
        }

        /** Bytes of each request body kept in {@link RecordedRequest} (default 1 MiB). */
        public Builder recordBodyCap(int bytes) {
            this.bodyCap = bytes;
            return this;
        }

        /**
         * Also send a {@code Retry-After} header on 429s. Off by default: real traffic shows only the body's
         * {@code retry_after} (the header is UNCONFIRMED), but some clients honour it.
         */
        public Builder retryAfterHeader(boolean on) {
            this.retryAfterHeader = on;
            return this;
        }

        /**
         * How long a deployment must have been offline and unused before {@code DELETE /deployments/{o}/{n}}
         * succeeds (Replicate: 15 minutes, the default). Unused counts from its creation, its last release and its
         * last prediction; offline means {@code min_instances} 0 and no prediction running. {@link Duration#ZERO}
         * lets a test delete an idle deployment at once.
         */
        public Builder deploymentIdleBeforeDelete(Duration idle) {
            if (Objects.requireNonNull(idle).isNegative()) {
                throw new IllegalArgumentException("idle time must not be negative");
            }
            this.deploymentIdleBeforeDelete = idle;
            return this;
        }

        public FakeReplicate start() {
            FakeReplicate fake = new FakeReplicate(this);
            try {
                fake.server.start();
            } catch (RuntimeException e) {
                fake.engine.stop();
                throw e;
            }
            return fake;
        }
    }
}
