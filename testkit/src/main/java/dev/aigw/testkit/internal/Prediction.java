package dev.aigw.testkit.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A prediction or training. Immutable fields describe the request; the rest is guarded by {@code this}.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Prediction {
    public enum Kind { PREDICTION, TRAINING }

    public record Event(String type, String data, String id) {
    }

    public static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled", "aborted");

    final String id;
    /** Creation order within one fake; breaks createdAt ties so lists are deterministic. */
    final long seq;
    final Kind kind;
    final ModelDef.Snapshot spec;
    final Object input;
    final Instant createdAt = Instant.now();
    final String deployment;
    final Instant deadline;
    final String webhook;
    /** null = Replicate's default (new output and completion). */
    final Set<String> webhookFilter;
    /** Sync-mode (Prefer: wait) creates get file outputs as data URIs. */
    final boolean dataUriFiles;
    final String destination;

    String status = "starting";
    Instant startedAt;
    Instant completedAt;
    Object output;
    final List<String> chunks = new ArrayList<>();
    final StringBuilder logs = new StringBuilder();
    String error;
    final List<Event> events = new ArrayList<>();
    long lastIntermediateWebhookNanos = Long.MIN_VALUE / 2;
    boolean webhookFlushScheduled;

    Prediction(String id, long seq, Kind kind, ModelDef.Snapshot spec, Object input, String deployment, Instant deadline,
               String webhook, Set<String> webhookFilter, boolean dataUriFiles, String destination) {
        this.id = id;
        this.seq = seq;
        this.kind = kind;
        this.spec = spec;
        this.input = input;
        this.deployment = deployment;
        this.deadline = deadline;
        this.webhook = webhook;
        this.webhookFilter = webhookFilter;
        this.dataUriFiles = dataUriFiles;
        this.destination = destination;
    }

    public String id() {
        return id;
    }

    synchronized boolean terminal() {
        return TERMINAL.contains(status);
    }

    /** Appends an SSE event; ids look like Replicate's {@code <unix-seconds>:<seq>}. */
    synchronized void event(String type, String data) {
        events.add(new Event(type, data, createdAt.getEpochSecond() + ":" + events.size()));
        notifyAll();
    }
}
