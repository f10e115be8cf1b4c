package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.testkit.GatewayLog;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code /client/v4/accounts/{acct}/ai-gateway/gateways/{gw}/logs[/{id}[/request|/response]]} in the Cloudflare API
 * envelope (spec §5). No API token is checked (documented in the README).
 *
 * <p>Internal: not API, may change in any release.
 */
final class GatewayLogsApi {
    private final RequestJournal<GatewayLog> logs;

    GatewayLogsApi(RequestJournal<GatewayLog> logs) {
        this.logs = logs;
    }

    void handle(Request request, Response response, Callback callback) throws IOException {
        String[] s = request.getHttpURI().getPath().substring(1).split("/");
        // client v4 accounts {acct} ai-gateway gateways {gw} logs [id] [request|response]
        if (s.length < 8 || !s[2].equals("accounts") || !s[4].equals("ai-gateway") || !s[5].equals("gateways")
                || !s[7].equals("logs") || s.length > 10) {
            apiError(response, callback, 404, 7003, "No route for that URI");
            return;
        }
        String account = s[3];
        String gateway = s[6];
        String method = request.getMethod();
        List<GatewayLog> mine = logs.snapshot().stream()
                .filter(l -> l.account().equals(account) && l.gateway().equals(gateway)).toList();
        if (s.length == 8) {
            if (method.equals("GET")) {
                list(request, response, callback, mine);
            } else if (method.equals("DELETE")) {
                logs.removeIf(l -> l.account().equals(account) && l.gateway().equals(gateway));
                ok(response, callback, Map.of(), null);
            } else {
                apiError(response, callback, 405, 10000, "Method not allowed");
            }
            return;
        }
        GatewayLog log = mine.stream().filter(l -> l.id().equals(s[8])).findFirst().orElse(null);
        if (log == null) {
            apiError(response, callback, 404, 1003, "Log not found");
            return;
        }
        if (s.length == 10) {
            byte[] body = s[9].equals("request") ? log.requestBody() : s[9].equals("response") ? log.responseBody() : null;
            if (body == null || !method.equals("GET")) {
                apiError(response, callback, 404, 1003, "Payload not found");
            } else {
                String type = s[9].equals("request") ? log.requestContentType() : log.responseContentType();
                Http.send(response, callback, 200, type == null ? "application/octet-stream" : type, body);
            }
            return;
        }
        if (method.equals("GET")) {
            ok(response, callback, json(log), null);
        } else if (method.equals("PATCH")) {
            JsonNode patch = Json.parseOrNull(Http.readBody(request, 1024 * 1024).bytes());
            if (patch == null || !patch.isObject()) {
                apiError(response, callback, 400, 1001, "Body must be a JSON object");
                return;
            }
            Integer feedback = patch.has("feedback") ? (patch.path("feedback").isNull() ? null
                    : patch.path("feedback").asInt()) : log.feedback();
            Integer score = patch.has("score") ? (patch.path("score").isNull() ? null : patch.path("score").asInt())
                    : log.score();
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = patch.path("metadata").isObject()
                    ? (Map<String, Object>) Json.toPlain(patch.path("metadata")) : null;
            GatewayLog updated = log.withFeedback(feedback, score, metadata);
            logs.replace(log, updated);
            ok(response, callback, json(updated), null);
        } else {
            apiError(response, callback, 405, 10000, "Method not allowed");
        }
    }

    private void list(Request request, Response response, Callback callback, List<GatewayLog> mine) {
        Map<String, String> q = Http.queryParams(request.getHttpURI().getQuery());
        Predicate<GatewayLog> keep = l -> true;
        if (q.containsKey("event_id")) {
            keep = keep.and(l -> q.get("event_id").equals(l.eventId()));
        }
        if (q.containsKey("user_agent")) { // like the real filter with operator "contains"
            keep = keep.and(l -> l.userAgent() != null && l.userAgent().contains(q.get("user_agent")));
        }
        if (q.containsKey("cached")) {
            keep = keep.and(l -> String.valueOf(l.cached()).equals(q.get("cached")));
        }
        if (q.containsKey("success")) {
            keep = keep.and(l -> String.valueOf(l.success()).equals(q.get("success")));
        }
        if (q.containsKey("provider")) {
            keep = keep.and(l -> q.get("provider").equals(l.provider()));
        }
        if (q.containsKey("model")) {
            keep = keep.and(l -> q.get("model").equals(l.model()));
        }
        List<GatewayLog> matching = new ArrayList<>(mine.stream().filter(keep).toList());
        Comparator<GatewayLog> byTime = Comparator.comparing(GatewayLog::createdAt);
        matching.sort("asc".equals(q.get("direction")) ? byTime : byTime.reversed());
        int perPage = clamp(q.get("per_page"), 20, 1, 50);
        int page = clamp(q.get("page"), 1, 1, Integer.MAX_VALUE);
        int from = Math.min((page - 1) * perPage, matching.size());
        int to = Math.min(from + perPage, matching.size());
        List<Object> result = new ArrayList<>();
        matching.subList(from, to).forEach(l -> result.add(json(l)));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("count", result.size());
        info.put("page", page);
        info.put("per_page", perPage);
        info.put("total_count", matching.size());
        ok(response, callback, result, info);
    }

    private static int clamp(String value, int dflt, int min, int max) {
        try {
            return value == null ? dflt : Math.max(min, Math.min(max, Integer.parseInt(value)));
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    static Map<String, Object> json(GatewayLog l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("created_at", l.createdAt().toString());
        m.put("provider", l.provider());
        m.put("model", l.model());
        m.put("model_type", null);
        m.put("path", l.path());
        m.put("duration", l.durationMs());
        m.put("request_type", "provider");
        m.put("request_content_type", l.requestContentType());
        m.put("response_content_type", l.responseContentType());
        m.put("status_code", l.statusCode());
        m.put("success", l.success());
        m.put("cached", l.cached());
        m.put("tokens_in", null);
        m.put("tokens_out", null);
        m.put("cost", null);
        m.put("custom_cost", false);
        m.put("metadata", l.metadata());
        m.put("step", 0);
        m.put("event_id", l.eventId());
        m.put("request_size", l.requestSize());
        m.put("request_head", GatewayHandler.head(l.requestBody()));
        m.put("request_head_complete", l.requestBody() != null && l.requestBody().length <= 1024);
        m.put("response_size", l.responseSize());
        m.put("response_head", GatewayHandler.head(l.responseBody()));
        m.put("response_head_complete", l.responseBody() != null && l.responseBody().length <= 1024);
        m.put("user_agent", l.userAgent());
        m.put("feedback", l.feedback());
        m.put("score", l.score());
        return m;
    }

    private static void ok(Response response, Callback callback, Object result, Map<String, Object> info) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("errors", List.of());
        body.put("messages", List.of());
        body.put("result", result);
        if (info != null) {
            body.put("result_info", info);
        }
        Http.sendJson(response, callback, 200, body);
    }

    private static void apiError(Response response, Callback callback, int status, int code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("errors", List.of(Map.of("code", code, "message", message)));
        body.put("messages", List.of());
        body.put("result", null);
        Http.sendJson(response, callback, status, body);
    }
}
