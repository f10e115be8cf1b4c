package dev.aigw.servlet.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers, for predictions and trainings created through the gateway, the metadata the creating call carried,
 * so that a later webhook about the same id can be reported with it ("who caused this"). A listener on the gateway:
 * every successful {@code POST} whose response had an {@code id} is remembered. Bounded (least recently created
 * evicted); nothing but the id and the metadata already sent to the gateway is kept.
 */
public final class CreatorIndex implements ExchangeListener {
    private final LinkedHashMap<String, Map<String, Object>> byId;

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
    }

    @Override
    public void onExchange(ExchangeRecord r) {
        if (r.predictionId() == null || !"POST".equals(r.method()) || r.httpStatus() < 200 || r.httpStatus() >= 300
                || r.url() == null || r.url().endsWith("/cancel")) {
            return;
        }
        remember(r.predictionId(), r.metadata());
    }

    public void remember(String id, Map<String, Object> metadata) {
        synchronized (byId) {
            byId.put(id, metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata)));
        }
    }

    /** The creating call's metadata, or {@code null} when that call was not seen (or was forgotten). */
    public Map<String, Object> creatorMetadata(String id) {
        if (id == null) {
            return null;
        }
        synchronized (byId) {
            return byId.get(id);
        }
    }

    public int size() {
        synchronized (byId) {
            return byId.size();
        }
    }
}
