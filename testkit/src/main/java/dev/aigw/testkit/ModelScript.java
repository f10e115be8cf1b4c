package dev.aigw.testkit;

import dev.aigw.testkit.internal.ModelDef;

import java.time.Duration;
import java.util.List;

/**
 * Fluent script of a fake model, obtained from {@link FakeReplicate#model(String)}. Changes apply to predictions
 * created afterwards. Defaults: 50 ms in {@code starting}, 100 ms {@code processing}, output {@code null} (or the
 * token list when tokens are scripted), official (so {@code owner/name} works as {@code version}), streaming.
 */
public final class ModelScript {
    private final ModelDef def;

    ModelScript(ModelDef def) {
        this.def = def;
    }

    /** {@code owner/name}. */
    public String name() {
        return def.fullName();
    }

    /** The 64-hex version id (deterministic per model name unless set with {@link #version(String)}). */
    public String versionId() {
        return def.version();
    }

    public ModelScript version(String versionId) {
        def.version(versionId);
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
