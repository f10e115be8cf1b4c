package dev.aigw.testkit;

import dev.aigw.testkit.internal.CollectionDef;

/**
 * Fluent script of a fake collection, obtained from {@link FakeReplicate#collection(String)}. Defaults: the name is
 * the slug, the description empty, no full description, no models.
 */
public final class CollectionScript {
    private final CollectionDef def;

    CollectionScript(CollectionDef def) {
        this.def = def;
    }

    /** The slug, as in {@code GET /collections/{slug}}. */
    public String slug() {
        return def.slug;
    }

    public CollectionScript name(String name) {
        def.name(name);
        return this;
    }

    public CollectionScript description(String description) {
        def.description(description);
        return this;
    }

    /** Markdown of the collection's {@code full_description} (null by default). */
    public CollectionScript fullDescription(String markdown) {
        def.fullDescription(markdown);
        return this;
    }

    /**
     * Adds models by {@code owner/name}, in order. {@code GET /collections/{slug}} shows those that exist when it is
     * called (as model objects); search results name them all.
     */
    public CollectionScript models(String... ownerSlashNames) {
        for (String m : ownerSlashNames) {
            def.addModel(m);
        }
        return this;
    }
}
