package dev.aigw.testkit;

import dev.aigw.testkit.internal.CollectionDef;
import dev.aigw.testkit.internal.ReplicateCatalog;
import dev.aigw.testkit.internal.ReplicateCatalog.Step;

import java.util.List;
import java.util.function.Consumer;

/**
 * Fluent script of a fake collection, obtained from {@link FakeReplicate#collection(String)}. Defaults: the name is
 * the slug, the description empty, no full description, no models. Like a {@link ModelScript}, every call is part of
 * the script that {@link FakeReplicate#reset()} restores.
 */
public final class CollectionScript {
    private final String slug;
    private final ReplicateCatalog catalog;

    CollectionScript(String slug, ReplicateCatalog catalog) {
        this.slug = slug;
        this.catalog = catalog;
    }

    /** The slug, as in {@code GET /collections/{slug}}. */
    public String slug() {
        return slug;
    }

    public CollectionScript name(String name) {
        return change(set("name"), def -> def.name(name));
    }

    public CollectionScript description(String description) {
        return change(set("description"), def -> def.description(description));
    }

    /** Markdown of the collection's {@code full_description} (null by default). */
    public CollectionScript fullDescription(String markdown) {
        return change(set("full_description"), def -> def.fullDescription(markdown));
    }

    /**
     * Adds models by {@code owner/name}, in order. {@code GET /collections/{slug}} shows those that exist when it is
     * called (as model objects); search results name them all.
     */
    public CollectionScript models(String... ownerSlashNames) {
        for (String name : List.of(ownerSlashNames)) { // each added once, so the script records each once
            change(Step.ensure(ReplicateCatalog.key("collection", slug, "model", name)), def -> def.addModel(name));
        }
        return this;
    }

    private CollectionScript change(Step step, Consumer<CollectionDef> change) {
        catalog.script(step, c -> change.accept(c.collection(slug)));
        return this;
    }

    /** Sets one field: a later call of the same field replaces this one in the script. */
    private Step set(String field) {
        return Step.set(ReplicateCatalog.key("collection", slug, field));
    }
}
