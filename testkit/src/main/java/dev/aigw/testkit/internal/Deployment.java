package dev.aigw.testkit.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deployment of the fake Replicate (mutable, guarded by {@code this}). Every change makes a new release, as
 * {@code PATCH /deployments/{o}/{n}} does on Replicate (spec §2: the release {@code number} goes up).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Deployment {
    public record Release(int number, String model, String version, Instant createdAt, String hardware,
                          int minInstances, int maxInstances) {
    }

    public final String owner;
    public final String name;
    public final Instant createdAt = Instant.now();
    private Release release;
    /** Creation, last release or last prediction: what "unused for 15 minutes" counts from. */
    private Instant lastActivity = createdAt;

    /** {@code version} null: the deployment follows its model's latest version (scripted deployments). */
    public Deployment(String fullName, String model, String version, String hardware, int min, int max) {
        int slash = fullName.indexOf('/');
        if (slash <= 0 || slash == fullName.length() - 1 || fullName.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("deployment name must be owner/name: " + fullName);
        }
        this.owner = fullName.substring(0, slash);
        this.name = fullName.substring(slash + 1);
        this.release = new Release(1, model, version, createdAt, hardware, min, max);
    }

    public String fullName() {
        return owner + "/" + name;
    }

    public synchronized Release release() {
        return release;
    }

    /** New release with the given changes (null = unchanged). */
    public synchronized Release update(String model, String version, String hardware, Integer min, Integer max) {
        Release r = release;
        release = new Release(r.number() + 1, model != null ? model : r.model(), version != null ? version : r.version(),
                Instant.now(), hardware != null ? hardware : r.hardware(), min != null ? min : r.minInstances(),
                max != null ? max : r.maxInstances());
        lastActivity = release.createdAt();
        return release;
    }

    public synchronized void used() {
        lastActivity = Instant.now();
    }

    /** Spec §2: deletable only when offline (no minimum instances) and unused for {@code idle}. */
    public synchronized boolean deletable(Duration idle, boolean running) {
        return release.minInstances() == 0 && !running
                && !Duration.between(lastActivity, Instant.now()).minus(idle).isNegative();
    }

    /** {@code version} is the id the release runs (its model's latest when the release follows it). */
    public synchronized Map<String, Object> json(String version, Map<String, Object> createdBy) {
        Release r = release;
        Map<String, Object> configuration = new LinkedHashMap<>();
        configuration.put("hardware", r.hardware());
        configuration.put("min_instances", r.minInstances());
        configuration.put("max_instances", r.maxInstances());
        Map<String, Object> current = new LinkedHashMap<>();
        current.put("number", r.number());
        current.put("model", r.model());
        current.put("version", version);
        current.put("created_at", r.createdAt().toString());
        current.put("created_by", createdBy);
        current.put("configuration", configuration);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("owner", owner);
        j.put("name", name);
        j.put("current_release", current);
        return j;
    }
}
