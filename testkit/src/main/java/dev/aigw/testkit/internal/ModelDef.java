package dev.aigw.testkit.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A scripted model (mutable, guarded by {@code this}); predictions take a {@link Snapshot} when created.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ModelDef {
    public record FileOut(String contentType, byte[] bytes) {
    }

    /** Immutable copy used by one prediction, so re-scripting never changes a running prediction. */
    public record Snapshot(String owner, String name, String version, Object output, boolean outputSet,
                           List<String> tokens, List<String> logs, Duration boot, Duration duration, String failure,
                           List<FileOut> files, boolean streaming, Set<String> requiredInputs) {
        public String fullName() {
            return owner + "/" + name;
        }
    }

    public final String owner;
    public final String name;
    public final Instant createdAt = Instant.now();
    private String version;
    private Object output;
    private boolean outputSet;
    private List<String> tokens = List.of();
    private List<String> logs = List.of();
    private Duration boot = Duration.ofMillis(50);
    private Duration duration = Duration.ofMillis(100);
    private String failure;
    private final List<FileOut> files = new ArrayList<>();
    private boolean official = true;
    private boolean streaming = true;
    private String description = "A model scripted by aigw-testkit";
    private final Set<String> requiredInputs = new LinkedHashSet<>();

    public ModelDef(String fullName) {
        int slash = fullName.indexOf('/');
        if (slash <= 0 || slash == fullName.length() - 1 || fullName.indexOf('/', slash + 1) >= 0
                || fullName.contains(":")) {
            throw new IllegalArgumentException("model name must be owner/name: " + fullName);
        }
        this.owner = fullName.substring(0, slash);
        this.name = fullName.substring(slash + 1);
        this.version = sha256Hex(fullName);
    }

    public static String sha256Hex(String s) {
        try {
            return Ids.hex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String fullName() {
        return owner + "/" + name;
    }

    public synchronized String version() {
        return version;
    }

    public synchronized void version(String v) {
        if (!v.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("version must be 64 lowercase hex chars");
        }
        version = v;
    }

    public synchronized void output(Object o) {
        output = o;
        outputSet = true;
    }

    public synchronized void tokens(List<String> t) {
        tokens = List.copyOf(t);
    }

    public synchronized void logs(List<String> l) {
        logs = List.copyOf(l);
    }

    public synchronized void boot(Duration d) {
        boot = d;
    }

    public synchronized void duration(Duration d) {
        duration = d;
    }

    public synchronized void failure(String f) {
        failure = f;
    }

    public synchronized void addFile(String contentType, byte[] bytes) {
        files.add(new FileOut(contentType, bytes.clone()));
    }

    public synchronized void official(boolean b) {
        official = b;
    }

    public synchronized boolean official() {
        return official;
    }

    public synchronized void streaming(boolean b) {
        streaming = b;
    }

    public synchronized void description(String d) {
        description = d;
    }

    public synchronized String description() {
        return description;
    }

    public synchronized void requireInput(String field) {
        requiredInputs.add(field);
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(owner, name, version, output, outputSet, tokens, logs, boot, duration, failure,
                List.copyOf(files), streaming, Set.copyOf(requiredInputs));
    }
}
