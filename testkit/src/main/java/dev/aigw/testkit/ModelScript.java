package dev.aigw.testkit;

import dev.aigw.testkit.internal.ModelDef;
import dev.aigw.testkit.internal.ReplicateCatalog;
import dev.aigw.testkit.internal.ReplicateCatalog.Step;
import dev.aigw.testkit.internal.ReplicateEngine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Fluent script of a fake model, obtained from {@link FakeReplicate#model(String)}. Changes apply to predictions
 * created afterwards. Defaults: 50 ms in {@code starting}, 100 ms {@code processing}, output {@code null} (or the
 * token list when tokens are scripted), official (so {@code owner/name} works as {@code version}), streaming.
 *
 * <p>Every call changes the model served now — as the API may have left it — and becomes part of the script that
 * {@link FakeReplicate#reset()} restores. A script names its model, so one kept across resets keeps working. Calling
 * it for a model the API deleted serves a model of that name again, with defaults and that one change, until the
 * next reset brings back the whole script.
 */
public final class ModelScript {
    private final String name;
    private final ReplicateEngine engine;

    ModelScript(String name, ReplicateEngine engine) {
        this.name = name;
        this.engine = engine;
    }

    /** {@code owner/name}. */
    public String name() {
        return name;
    }

    /**
     * The latest version's 64-hex id (deterministic per model name unless set with {@link #version(String)}), or
     * null when the model has no version (made by {@code POST /models}, all its versions deleted, or the model
     * deleted through the API).
     */
    public String versionId() {
        ModelDef def = engine.catalog().findModel(name);
        return def == null ? null : def.version();
    }

    /** Replaces the latest version's id (or gives a model without versions its first one). */
    public ModelScript version(String versionId) {
        return change(Step.set(versions("latest"), versions("")), def -> def.version(versionId));
    }

    /**
     * Pushes a new latest version, as {@code cog push} would; older versions stay listed and runnable by id (so a
     * deployment can be moved between them).
     */
    public ModelScript addVersion(String versionId) {
        return change(Step.set(versions(versionId), versions("")), def -> def.addVersion(versionId));
    }

    /** {@code public} (default) or {@code private}; only private models and their versions can be deleted. */
    public ModelScript visibility(String visibility) {
        return change(set("visibility"), def -> def.visibility(visibility));
    }

    /** Markdown served by {@code GET /models/{o}/{n}/readme} (404 until set here or by {@code PATCH}). */
    public ModelScript readme(String markdown) {
        return change(set("readme"), def -> def.readme(markdown));
    }

    /**
     * Adds a succeeded example prediction with this input and output, listed by {@code GET /models/{o}/{n}/examples};
     * the first one is the model's {@code default_example}.
     */
    public ModelScript example(Map<String, ?> input, Object output) {
        Map<String, ?> copy = Map.copyOf(input);
        // the example is made from the model as it is then: the settings before it stay in the script
        return change(Step.add(ReplicateCatalog.key("model", name, "")), def -> engine.example(def, copy, output));
    }

    /** Final output (any Jackson-serialisable value: string, list, map, number...). */
    public ModelScript output(Object output) {
        return change(set("output"), def -> def.output(output));
    }

    /** Streamed output chunks; each becomes an SSE {@code output} event and an element of the output array. */
    public ModelScript tokens(String... tokens) {
        List<String> chunks = List.of(tokens);
        return change(set("tokens"), def -> def.tokens(chunks));
    }

    /** Log lines, emitted when processing starts (SSE {@code logs} events and the {@code logs} field). */
    public ModelScript logs(String... lines) {
        List<String> logLines = List.of(lines);
        return change(set("logs"), def -> def.logs(logLines));
    }

    /** Time spent {@code processing} (tokens are spread over it). */
    public ModelScript duration(Duration duration) {
        return change(set("duration"), def -> def.duration(duration));
    }

    /** Time spent {@code starting} (cold boot) before {@code processing}. */
    public ModelScript bootTime(Duration boot) {
        return change(set("boot"), def -> def.boot(boot));
    }

    /** Ends the prediction {@code failed} with this {@code error}. */
    public ModelScript fails(String error) {
        return change(set("failure"), def -> def.failure(error));
    }

    /** Ends the prediction {@code succeeded} again (undoes {@link #fails(String)}). */
    public ModelScript succeeds() {
        return change(set("failure"), def -> def.failure(null));
    }

    /**
     * Adds a file output: the output becomes an array of URLs served by the fake ({@code /delivery/...}, no auth),
     * or of data URIs when the create used {@code Prefer: wait}.
     */
    public ModelScript fileOutput(String contentType, byte[] bytes) {
        byte[] content = bytes.clone(); // replayed at each reset: later changes by the caller must not show
        return change(Step.add(null), def -> def.addFile(contentType, content));
    }

    /** Non-official models can only be run by version id (spec §2: {@code owner/name} is for official models). */
    public ModelScript official(boolean official) {
        return change(set("official"), def -> def.official(official));
    }

    /** Whether predictions carry {@code urls.stream}. */
    public ModelScript streaming(boolean streaming) {
        return change(set("streaming"), def -> def.streaming(streaming));
    }

    /** Input field that must be present, else 422 "Input validation failed" with {@code invalid_fields}. */
    public ModelScript requiredInput(String field) {
        return change(Step.ensure(ReplicateCatalog.key("model", name, "input", field)), def -> def.requireInput(field));
    }

    public ModelScript description(String description) {
        return change(set("description"), def -> def.description(description));
    }

    /** Applies {@code change} to the served model and adds it to the script as {@code step} says. */
    private ModelScript change(Step step, Consumer<ModelDef> change) {
        engine.catalog().script(step, catalog -> change.accept(catalog.model(name)));
        return this;
    }

    /** Sets one field of the model: a later call of the same field replaces this one in the script. */
    private Step set(String field) {
        return Step.set(ReplicateCatalog.key("model", name, field));
    }

    /** The key of a change to the model's versions; {@code ""}: the start of all of them. */
    private String versions(String part) {
        return ReplicateCatalog.key("model", name, "versions", part);
    }
}
