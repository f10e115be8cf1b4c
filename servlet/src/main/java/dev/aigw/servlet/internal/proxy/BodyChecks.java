package dev.aigw.servlet.internal.proxy;

import dev.aigw.internal.ContentCodings;
import jakarta.servlet.http.HttpServletRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which root fields of a request's JSON body the proxy reads, and the one {@link JsonBodyGate} that reads them all:
 * the fields the model allowlist needs for the endpoint ({@link ModelAllowlist#classify}), and, under a webhook
 * allowlist, {@code webhook} and {@code webhook_completed} of every POST, PUT and PATCH body (and no parameter of
 * that name in their query). A body that is read must be unencoded UTF-8 JSON.
 *
 * <p>Internal: not API, may change in any release.
 */
final class BodyChecks {
    /** The methods whose bodies may name a webhook: Replicate's creates are POSTs; QUERY's body is a search text. */
    private static final Set<String> WEBHOOK_METHODS = Set.of("POST", "PUT", "PATCH");

    private BodyChecks() {
    }

    /**
     * The body's transform: {@code crossSite}'s (the cross-site stance's, or null) when no field is read, else the
     * gate; refused when the body cannot be read.
     */
    static BodyTransform gate(ProxyConfig cfg, HttpServletRequest req, CanonicalRequest c,
                              ModelAllowlist.Target target, BodyTransform crossSite) throws Refusal.Refused {
        String what = c.method() + " " + c.path();
        if (cfg.webhookUrls() != null && WEBHOOK_METHODS.contains(c.method()) && c.query() != null) {
            Refusal r = cfg.webhookUrls().judgeQuery(c.query());
            if (r != null) {
                throw r.refused();
            }
        }
        List<JsonBodyGate.Field> fields = new ArrayList<>(4);
        if (cfg.allowlist() != null) {
            fields.addAll(cfg.allowlist().watched(target.bodyFields(), what));
        }
        // with no model field to read, only a body that comes is read: a POST without one needs no type
        // (crossSite != null: the cross-site stance already refuses any byte of this body)
        if (cfg.webhookUrls() != null && WEBHOOK_METHODS.contains(c.method()) && (!fields.isEmpty()
                || crossSite == null && ForwardedRequest.bodyMayCome(req, c.method()) && !multipartFiles(req, c))) {
            fields.addAll(cfg.webhookUrls().watched());
        }
        if (fields.isEmpty()) {
            return crossSite;
        }
        String keys = JsonBodyGate.keys(fields);
        if (!ContentCodings.identity(Admission.contentEncodings(req))) {
            throw Refusal.of(415, "content_encoding_not_allowed", "a Content-Encoding'd body cannot be checked for "
                    + keys + " by this proxy's allowlists; send it unencoded").refused();
        }
        // the header as sent: Jetty's getContentType() throws for a charset the JVM does not know (a 500, not a 415)
        String type = Objects.requireNonNullElse(req.getHeader("Content-Type"), "");
        if (!Admission.json(type) || !Admission.utf8(type)) {
            throw Refusal.of(415, "content_type_not_allowed", what + " needs a UTF-8 JSON body for this proxy's "
                    + "allowlists to read " + keys + ": Content-Type application/json with no charset or one "
                    + "charset=utf-8, in well-formed parameters; not " + CanonicalRequest.printable(type)).refused();
        }
        return new JsonBodyGate(fields, what);
    }

    /** {@code POST /files} with a multipart body (the cross-site stance allows that there only): no JSON to read. */
    private static boolean multipartFiles(HttpServletRequest req, CanonicalRequest c) {
        String type = req.getHeader("Content-Type");
        return c.path().equals("/files") && type != null && type.strip().regionMatches(true, 0, "multipart/", 0, 10);
    }
}
