package dev.aigw.servlet.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;
import dev.aigw.internal.CreateEndpoint;
import dev.aigw.internal.Router;
import dev.aigw.servlet.internal.state.SharedCreators;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateUnavailableException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers, for predictions and trainings created through the gateway, the metadata the creating call carried,
 * so that a later webhook about the same id can be reported with it ("who caused this"). A listener on the gateway:
 * a call is a creation when it is a {@code POST} to one of Replicate's create endpoints ({@link #creation}), was
 * answered 2xx with an {@code id}, and not from the gateway's cache. Every other call that answers with a
 * prediction (a cancel, in any spelling: {@code /cancel?x}) names someone else's prediction, and a cached answer
 * someone else's creation: taking either as a creation would hand that prediction's completion, and the webhook
 * handler's context, to whoever made the call. In memory it is bounded (least
 * recently created evicted); on a shared engine ({@link #CreatorIndex(StateEngine, java.time.Duration)}) entries
 * expire after a time to live and any instance finds what another remembered. Nothing but the id and the metadata
 * already sent to the gateway is kept.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class CreatorIndex implements ExchangeListener {
    /** Creations kept in memory per instance by default. */
    public static final int DEFAULT_CAPACITY = 10_000;
    /** A lookup's answer: the metadata (null when unknown) and, when the shared engine failed, why. */
    public record Lookup(Map<String, Object> metadata, String unavailable) {
    }

    private final LinkedHashMap<String, Map<String, Object>> byId;
    private final SharedCreators shared; // null: in memory

    public CreatorIndex(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.byId = new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
                return size() > capacity;
            }
        };
        this.shared = null;
    }

    /** On the shared engine, each entry kept for {@code ttl}. */
    public CreatorIndex(StateEngine engine, java.time.Duration ttl) {
        this.byId = new LinkedHashMap<>();
        this.shared = new SharedCreators(engine, ttl);
    }

    @Override
    public void onExchange(ExchangeRecord r) {
        if (r.predictionId() == null || !"POST".equals(r.method()) || r.httpStatus() < 200 || r.httpStatus() >= 300
                || "HIT".equalsIgnoreCase(r.cacheStatus()) || !creation(r.url())) {
            return;
        }
        remember(r.predictionId(), r.metadata());
    }

    /**
     * Whether {@code url}'s path (its query and fragment aside) ends in {@code /v1} and one of Replicate's create
     * endpoints ({@link CreateEndpoint}) with every name present, read in the RFC 3986 normal form the call was
     * routed in ({@link Router#canonicalPath}: {@code /v1/%70redictions} reached the gateway as a create).
     */
    static boolean creation(String url) {
        if (url == null) {
            return false;
        }
        int end = 0;
        while (end < url.length() && url.charAt(end) != '?' && url.charAt(end) != '#') {
            end++;
        }
        int authority = url.indexOf("://");
        int path = authority < 0 || authority > end ? -1 : url.indexOf('/', authority + 3);
        if (path < 0 || path > end) {
            return false;
        }
        String[] s = Router.canonicalPath(url.substring(path, end)).split("/", -1);
        for (int v1 = 0; v1 < s.length; v1++) {
            if (s[v1].equals("v1") && CreateEndpoint.of(s, v1 + 1) != null && named(s, v1 + 1)) {
                return true;
            }
        }
        return false;
    }

    private static boolean named(String[] segments, int from) {
        for (int i = from; i < segments.length; i++) {
            if (segments[i].isEmpty()) {
                return false;
            }
        }
        return true;
    }

    public void remember(String id, Map<String, Object> metadata) {
        if (shared != null) {
            shared.remember(id, metadata == null ? Map.of() : metadata);
            return;
        }
        synchronized (byId) {
            byId.put(id, metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata)));
        }
    }

    /** The creating call's metadata, or {@code null} when that call was not seen (or was forgotten). */
    public Map<String, Object> creatorMetadata(String id) {
        return find(id).metadata();
    }

    /** The creating call's metadata, and whether the shared engine could be asked. */
    public Lookup find(String id) {
        if (id == null) {
            return new Lookup(null, null);
        }
        if (shared != null) {
            try {
                return new Lookup(shared.find(id), null);
            } catch (StateUnavailableException e) {
                return new Lookup(null, e.getMessage());
            }
        }
        synchronized (byId) {
            return new Lookup(byId.get(id), null);
        }
    }

    public int size() {
        synchronized (byId) {
            return byId.size();
        }
    }
}
