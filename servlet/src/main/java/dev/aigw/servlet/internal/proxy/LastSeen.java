package dev.aigw.servlet.internal.proxy;

/**
 * One value kept for the last key it was computed from: what a proxy works out per call from a request part that is
 * the same for nearly every call (the public URL from {@code Host}, the canonical proxy path, the client's address
 * key). A different key recomputes and replaces it; nothing grows.
 *
 * <p>Internal: not API, may change in any release.
 */
final class LastSeen<V> {
    /** How a value follows from its key. */
    @FunctionalInterface
    interface Compute<V, E extends Exception> {
        V of(String key) throws E;
    }

    private record Entry<V>(String key, String key2, String key3, V value) { // key2, key3: null for one-part keys
    }

    private volatile Entry<V> last;

    /** The value for {@code key}: the last one's when the key is equal, else computed (null keys are computed). */
    <E extends Exception> V get(String key, Compute<V, E> compute) throws E {
        Entry<V> e = last;
        if (e != null && e.key2 == null && e.key.equals(key)) {
            return e.value;
        }
        V v = compute.of(key);
        if (key != null) {
            last = new Entry<>(key, null, null, v);
        }
        return v;
    }

    /**
     * The value for a key of three parts, none null, compared part by part: no key string is built per call.
     * {@code compute} is given the first part.
     */
    <E extends Exception> V get(String a, String b, String c, Compute<V, E> compute) throws E {
        Entry<V> e = last;
        if (e != null && e.key.equals(a) && b.equals(e.key2) && c.equals(e.key3)) {
            return e.value;
        }
        V v = compute.of(a);
        last = new Entry<>(a, b, c, v);
        return v;
    }
}
