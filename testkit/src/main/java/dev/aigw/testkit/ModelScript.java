package dev.aigw.testkit;

import dev.aigw.testkit.internal.ModelDef;
import dev.aigw.testkit.internal.ReplicateEngine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Fluent script of a fake model, obtained from {@link FakeReplicate#model(String)}. Changes apply to predictions
 * created afterwards. Defaults: 50 ms in {@code starting}, 100 ms {@code processing}, output {@code null} (or the
 * token list when tokens are scripted), official (so {@code owner/name} works as {@code version}), streaming.
 */
public final class ModelScript {
    private final ModelDef def;

    private final ReplicateEngine engine;

    ModelScript(ModelDef def, ReplicateEngine engine) {
        this.def = def;
        this.engine = engine;
    }

    /** {@code owner/name}. */
    public String name() {
        return def.fullName();
    }

    /**
     * The latest version's 64-hex id (deterministic per model name unless set with {@link #version(String)}), or
     * null when the model has no version (made by {@code POST /models}, or all its versions deleted).
     */
    public String versionId() {
        return def.version();
    }

    /** Replaces the latest version's id (or gives a model without versions its first one). */
    public ModelScript version(String versionId) {
        def.version(versionId);
        return this;
    }

    /**
     * Pushes a new latest version, as {@code cog push} would; older versions stay listed and runnable by id (so a
     * deployment can be moved between them).
     */
    public ModelScript addVersion(String versionId) {
        def.addVersion(versionId);
        return this;
    }

    /** {@code public} (default) or {@code private}; only private models and their versions can be deleted. */
    public ModelScript visibility(String visibility) {
        def.visibility(visibility);
        return this;
    }

    /** Markdown served by {@code GET /models/{o}/{n}/readme} (404 until set here or by {@code PATCH}). */
    public ModelScript readme(String markdown) {
        def.readme(markdown);
        return this;
    }

    /**
     * Adds a succeeded example prediction with this input and output, listed by {@code GET /models/{o}/{n}/examples};
     * the first one is the model's {@code default_example}.
     */
    public ModelScript example(Map<String, ?> input, Object output) {
        engine.example(def, Map.copyOf(input), output);
        return this;
    }

    /** Final output (any Jackson-serialisable value: string, list, map, number...). */
    public ModelScript output(Object output) {
        def.output(output);
        return this;
    }

    /** Streamed output chunks; each becomes an SSE {@code output} event and an element of the output array. */
    public ModelScript tokens(String... tokens) {
        def.tokens(List.of(tokens));
        return this;
    }

    /** Log lines, emitted when processing starts (SSE {@code logs} events and the {@code logs} field). */
    public ModelScript logs(String... lines) {
        def.logs(List.of(lines));
        return this;
    }

    /** Time spent {@code processing} (tokens are spread over it). */
    public ModelScript duration(Duration duration) {
        def.duration(duration);
        return this;
    }

    /** Time spent {@code starting} (cold boot) before {@code processing}. */
    public ModelScript bootTime(Duration boot) {
        def.boot(boot);
        return this;
    }

    /** Ends the prediction {@code failed} with this {@code error}. */
    public ModelScript fails(String error) {
        def.failure(error);
        return this;
    }

    /** Ends the prediction {@code succeeded} again (undoes {@link #fails(String)}). */
    public ModelScript succeeds() {
        def.failure(null);
        return this;
    }

    /**
     * Adds a file output: the output becomes an array of URLs served by the fake ({@code /delivery/...}, no auth),
     * or of data URIs when the create used {@code Prefer: wait}.
     */
    public ModelScript fileOutput(String contentType, byte[] bytes) {
        def.addFile(contentType, bytes);
        return this;
    }

    /** Non-official models can only be run by version id (spec §2: {@code owner/name} is for official models). */
    public ModelScript official(boolean official) {
        def.official(official);
        return this;
    }

    /** Whether predictions carry {@code urls.stream}. */
    public ModelScript streaming(boolean streaming) {
        def.streaming(streaming);
        return this;
    }

    /** Input field that must be present, else 422 "Input validation failed" with {@code invalid_fields}. */
    public ModelScript requiredInput(String field) {
        def.requireInput(field);
        return this;
    }

    public ModelScript description(String description) {
        def.description(description);
        return this;
    }
}
