package dev.aigw.testkit.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's 2026 Policies and spend limits, as far as a client sees them (spec §9): both are keyed on request
 * metadata and answer with the {@code error}-as-object envelope. A policy denies requests whose kept metadata has a
 * given entry (403 "Access denied by policy"); a spend limit splits spend by a metadata key and refuses a bucket once
 * its spend reached the limit (429 "Spending limit exceeded" with {@code bucket}, {@code spent}, {@code limit}). Spend
 * is the {@code total_cost} of {@code cf-aig-custom-cost} of successful requests (Replicate calls have no token
 * prices). Cached responses skip both, as on the real gateway.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Policies {
    /** One deny rule: metadata {@code key} equal to {@code value}. */
    public record Deny(String key, Object value) {
    }

    /** A spend limit split by the metadata key. */
    public record SpendLimit(String key, double limitUsd) {
    }

    private final List<Deny> denies;
    private final SpendLimit spendLimit;
    private final Map<String, Double> spent = new ConcurrentHashMap<>();

    public Policies(List<Deny> denies, SpendLimit spendLimit) {
        this.denies = List.copyOf(denies);
        this.spendLimit = spendLimit;
    }

    /** The refusal for a request with this metadata, or null when it may pass: {status, body}. */
    public Object[] refusal(Map<String, Object> metadata) {
        for (Deny d : denies) {
            Object v = metadata.get(d.key());
            if (v != null && String.valueOf(v).equals(String.valueOf(d.value()))) {
                return new Object[] {403, envelope("Access denied by policy", null)};
            }
        }
        String bucket = bucket(metadata);
        if (bucket != null) {
            double s = spent.getOrDefault(bucket, 0.0);
            if (s >= spendLimit.limitUsd()) {
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("bucket", bucket);
                extra.put("spent", s);
                extra.put("limit", spendLimit.limitUsd());
                return new Object[] {429, envelope("Spending limit exceeded", extra)};
            }
        }
        return null;
    }

    /** Adds the cost of a successful request to its bucket. */
    public void spend(Map<String, Object> metadata, Double cost) {
        String bucket = bucket(metadata);
        if (bucket != null && cost != null && cost > 0) {
            spent.merge(bucket, cost, Double::sum);
        }
    }

    public void reset() {
        spent.clear();
    }

    private String bucket(Map<String, Object> metadata) {
        if (spendLimit == null) {
            return null;
        }
        Object v = metadata.get(spendLimit.key());
        return v == null ? null : spendLimit.key() + ":" + v;
    }

    private static byte[] envelope(String message, Map<String, Object> extra) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        if (extra != null) {
            error.putAll(extra);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", error);
        return Json.bytes(body);
    }
}
