package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Answers shared by every endpoint family of the fake Replicate: errors (spec §7) and pages (spec §8).
 *
 * <p>Internal: not API, may change in any release.
 */
final class Replies {
    private final int pageSize;
    private final Supplier<String> publicBase;

    Replies(int pageSize, Supplier<String> publicBase) {
        this.pageSize = pageSize;
        this.publicBase = publicBase;
    }

    /** RFC 7807 body as Replicate sends it (spec §7). */
    static void problem(Response resp, Callback cb, int status, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (title != null) {
            body.put("title", title);
        }
        body.put("detail", detail);
        body.put("status", status);
        if (extra != null) {
            body.putAll(extra);
        }
        Http.send(resp, cb, status, "application/problem+json", Json.bytes(body));
    }

    /** Spec §2/§7: upload over the limit; the connection closes as the rest of the body is not read. */
    static void tooLarge(Response resp, Callback cb) {
        resp.getHeaders().put(HttpHeader.CONNECTION, "close");
        problem(resp, cb, 413, null, "Files must be less than 100MB in size", null);
    }

    /** The answer for a path the fake has no route for (and for an unknown prediction or training). */
    static void notFound(Response resp, Callback cb) {
        problem(resp, cb, 404, "Not found", "Not found.", null);
    }

    /** An unknown named resource: {@code what} is e.g. "Model", "Deployment". */
    static void notFound(Response resp, Callback cb, String what) {
        problem(resp, cb, 404, "Not found", what + " not found", null);
    }

    /** Spec §7: unknown or forbidden version (also what real accounts without billing sometimes see). */
    static void invalidVersion(Response resp, Callback cb) {
        problem(resp, cb, 422, "Invalid version or not permitted", "The specified version does not exist (or "
                + "perhaps you don't have permission to use it?)", null);
    }

    /** One entry of {@code invalid_fields}. */
    static Map<String, String> field(String type, String field, String description) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("field", field);
        m.put("description", description);
        return m;
    }

    /** Spec §2: bodies allow only their own fields; each other one is an {@code additional_property_not_allowed}. */
    static void onlyFields(JsonNode json, java.util.Collection<String> allowed, List<Map<String, String>> invalid) {
        for (java.util.Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                invalid.add(field("additional_property_not_allowed", "", "Additional property " + f + " is not allowed"));
            }
        }
    }

    /** Spec §7: 422 "Input validation failed", one {@code detail} line and one {@code invalid_fields} entry each. */
    static void validationFailed(Response resp, Callback cb, List<Map<String, String>> invalid) {
        StringBuilder detail = new StringBuilder();
        for (Map<String, String> f : invalid) {
            detail.append("- ").append(f.get("field").isEmpty() ? "(root)" : f.get("field")).append(": ")
                    .append(f.get("description")).append('\n');
        }
        problem(resp, cb, 422, "Input validation failed", detail.toString(), Map.of("invalid_fields", invalid));
    }

    /** The body as a JSON object, or null after answering 400 (not JSON, or not an object). */
    static JsonNode jsonObject(Response resp, Callback cb, byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            problem(resp, cb, 400, "Bad request", "Request body must be a JSON object", null);
            return null;
        }
        return json;
    }

    /** Cursor pagination with absolute next/previous URLs (spec §8); the cursor is base64 of an offset. */
    <T> Map<String, Object> page(String path, String query, List<T> items, Function<T, Object> render) {
        int offset = 0;
        String cursor = Http.queryParams(query).get("cursor");
        if (cursor != null) {
            try {
                offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)
                        .substring(2));
            } catch (RuntimeException e) {
                offset = 0;
            }
        }
        int from = Math.min(Math.max(offset, 0), items.size());
        int to = Math.min(from + pageSize, items.size());
        List<Object> results = new ArrayList<>();
        for (T item : items.subList(from, to)) {
            results.add(render.apply(item));
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("previous", from > 0 ? cursorUrl(path, Math.max(0, from - pageSize)) : null);
        page.put("next", to < items.size() ? cursorUrl(path, to) : null);
        page.put("results", results);
        return page;
    }

    private String cursorUrl(String path, int offset) {
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(("o=" + offset).getBytes(StandardCharsets.UTF_8));
        return publicBase.get() + path + "?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    }
}
