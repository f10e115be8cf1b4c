package dev.aigw.servlet.internal.proxy;

import dev.aigw.internal.ContentCodings;
import jakarta.servlet.http.HttpServletRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Which root fields of a request's JSON body the proxy reads, and the one {@link JsonBodyGate} that reads them all:
 * the fields the model allowlist needs for the endpoint ({@link ModelAllowlist#classify}), and, under a webhook
 * allowlist, {@code webhook} and {@code webhook_completed} of every POST, PUT and PATCH body (and no parameter of
 * that name in their query; nor a query naming a field the model allowlist reads). A body that is read must be
 * unencoded UTF-8 JSON.
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
            for (ModelAllowlist.BodyField f : target.bodyFields()) {
                String name = c.query() == null ? null : namedInQuery(c.query(), f.key);
                if (name != null) { // a deployment's version, judged only when the body has one, would pass unread
                    throw Refusal.of(403, "model_not_allowed", "the query names \"" + name + "\": this proxy's model "
                            + "allowlist reads \"" + f.key + "\" in the JSON body only").refused();
                }
            }
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

    /**
     * The first parameter of a canonical query whose name, in any case, starts with {@code lowerPrefix} ({@code x[]=}
     * too; split at {@code &} and {@code ;}), cut to 40 printable characters; null when none does. Whether Replicate
     * reads create fields from the query is UNCONFIRMED (frameworks that merge query and body parameters exist); no
     * client needs to send one there, so a query naming a field the proxy reads in the body is refused, not left unread.
     */
    static String namedInQuery(String query, String lowerPrefix) {
        for (String param : query.split("[&;]")) {
            int eq = param.indexOf('=');
            String name = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (name.startsWith(lowerPrefix)) {
                return CanonicalRequest.printable(name.length() > 40 ? name.substring(0, 40) : name);
            }
        }
        return null;
    }

    /** {@code POST /files} with a multipart body (the cross-site stance allows that there only): no JSON to read. */
    private static boolean multipartFiles(HttpServletRequest req, CanonicalRequest c) {
        String type = req.getHeader("Content-Type");
        return c.path().equals("/files") && type != null && type.strip().regionMatches(true, 0, "multipart/", 0, 10);
    }
}
