package dev.aigw.testkit.internal;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import static dev.aigw.testkit.internal.Replies.notFound;
import static dev.aigw.testkit.internal.Replies.problem;

/**
 * {@code /collections...} and {@code GET /search} of the fake Replicate (spec §2).
 *
 * <p>Internal: not API, may change in any release.
 */
final class CollectionsApi {
    private final ReplicateCatalog catalog;
    private final Replies replies;
    private final ModelsApi models;

    CollectionsApi(ReplicateCatalog catalog, Replies replies, ModelsApi models) {
        this.catalog = catalog;
        this.replies = replies;
        this.models = models;
    }

    boolean route(Request req, Response resp, Callback cb, String method, List<String> s) {
        if (!method.equals("GET")) {
            return false;
        }
        String query = req.getHttpURI().getQuery();
        switch (s.get(0) + "/" + s.size()) {
            case "collections/1" -> Http.sendJson(resp, cb, 200, replies.page("/collections", query,
                    catalog.collections(), CollectionDef::summary));
            case "collections/2" -> {
                CollectionDef c = catalog.findCollection(s.get(1));
                if (c == null) {
                    notFound(resp, cb, "Collection");
                } else {
                    Map<String, Object> j = c.summary();
                    j.put("full_description", c.fullDescription());
                    j.put("models", c.models().stream().map(catalog::findModel).filter(Objects::nonNull)
                            .map(catalog::modelJson).toList());
                    Http.sendJson(resp, cb, 200, j);
                }
            }
            case "search/1" -> search(resp, cb, Http.queryParams(query));
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Spec §2 (beta): models by name/description, collections by name/slug/description; no docs pages. */
    private void search(Response resp, Callback cb, Map<String, String> q) {
        String text = q.get("query");
        if (text == null || text.isBlank()) {
            problem(resp, cb, 400, "Bad request", "Query parameter \"query\" is required", null);
            return;
        }
        int limit;
        try {
            limit = Integer.parseInt(q.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit < 1 || limit > 50) {
            problem(resp, cb, 400, "Bad request", "Query parameter \"limit\" must be an integer from 1 to 50", null);
            return;
        }
        String needle = text.trim().toLowerCase(Locale.ROOT);
        List<Map<String, Object>> hits = new ArrayList<>();
        for (ModelDef m : models.search(needle)) {
            Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("generated_description", m.description());
            metadata.put("tags", List.of());
            // A name hit ranks above a description-only hit; scores are otherwise meaningless, as on Replicate.
            metadata.put("score", m.fullName().toLowerCase(Locale.ROOT).contains(needle) ? 1.0 : 0.5);
            Map<String, Object> hit = new LinkedHashMap<>();
            hit.put("model", catalog.modelJson(m));
            hit.put("metadata", metadata);
            hits.add(hit);
        }
        hits.sort((a, b) -> Double.compare(score(b), score(a)));
        hits = hits.subList(0, Math.min(limit, hits.size()));
        List<Map<String, Object>> collections = new ArrayList<>();
        for (CollectionDef c : catalog.collections()) {
            if (c.matches(needle)) {
                Map<String, Object> j = c.summary();
                j.put("models", c.models());
                collections.add(j);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query", text);
        body.put("models", hits);
        body.put("collections", collections);
        body.put("pages", List.of());
        Http.sendJson(resp, cb, 200, body);
    }

    @SuppressWarnings("unchecked")
    private static double score(Map<String, Object> hit) {
        return (Double) ((Map<String, Object>) hit.get("metadata")).get("score");
    }
}
