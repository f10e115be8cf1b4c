package dev.aigw.testkit.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A scripted collection of models (mutable, guarded by {@code this}).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class CollectionDef {
    public final String slug;
    private String name;
    private String description = "";
    private String fullDescription;
    private final List<String> models = new ArrayList<>();

    public CollectionDef(String slug) {
        if (!slug.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("collection slug must be lowercase words joined by dashes: " + slug);
        }
        this.slug = slug;
        this.name = slug;
    }

    public synchronized void name(String n) {
        name = n;
    }

    public synchronized void description(String d) {
        description = d;
    }

    public synchronized void fullDescription(String markdown) {
        fullDescription = markdown;
    }

    public synchronized void addModel(String ownerSlashName) {
        if (!models.contains(ownerSlashName)) {
            models.add(ownerSlashName);
        }
    }

    public synchronized List<String> models() {
        return List.copyOf(models);
    }

    /** The list item of {@code GET /collections} (spec §2: name, slug, description). */
    public synchronized Map<String, Object> summary() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", name);
        j.put("slug", slug);
        j.put("description", description);
        return j;
    }

    public synchronized String fullDescription() {
        return fullDescription;
    }

    public synchronized boolean matches(String lowerCaseText) {
        return (name + " " + slug + " " + description).toLowerCase(java.util.Locale.ROOT).contains(lowerCaseText);
    }
}
