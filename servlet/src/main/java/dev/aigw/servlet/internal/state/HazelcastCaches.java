package dev.aigw.servlet.internal.state;

import com.hazelcast.config.CacheConfig;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MaxSizePolicy;

import javax.cache.Cache;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.MutableConfiguration;

/**
 * The Hazelcast side of aigw's cache: Hazelcast bounds every cache by entry count (10,000 by default, LRU), which
 * JCache's configuration neither sets nor shows. The only class that touches Hazelcast types; {@link JCacheEngine}
 * loads it only when the cache manager is Hazelcast's and aigw sees the same Hazelcast classes, so Hazelcast stays
 * optional. Its methods take and return JCache types only, so that nothing else needs Hazelcast to be verified.
 *
 * <p>Internal: not API, may change in any release.
 */
final class HazelcastCaches {
    /**
     * A class of Hazelcast's that aigw and the provider must see alike before this class is used; top-level since
     * Hazelcast 4 (3.x, end of life, has it nested and gets the vendor-neutral configuration).
     */
    static final String PROBE = "com.hazelcast.config.MaxSizePolicy";

    private HazelcastCaches() {
    }

    /** {@code base} as Hazelcast's configuration, with an explicit LRU bound of {@code entries} (shared by partition). */
    static <K, V> CompleteConfiguration<K, V> bounded(MutableConfiguration<K, V> base, int entries) {
        CacheConfig<K, V> c = new CacheConfig<>(base);
        c.setEvictionConfig(new EvictionConfig().setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(entries)
                .setEvictionPolicy(EvictionPolicy.LRU));
        return c;
    }

    /** The cache's bound by entry count, or -1 (bounded otherwise: native memory; or the cache does not tell). */
    static int entryBound(Cache<?, ?> cache) {
        EvictionConfig e;
        try {
            @SuppressWarnings("unchecked")
            CacheConfig<?, ?> c = cache.getConfiguration(CacheConfig.class);
            e = c.getEvictionConfig();
        } catch (IllegalArgumentException | ClassCastException notHazelcasts) {
            return -1;
        }
        return e != null && e.getMaxSizePolicy() == MaxSizePolicy.ENTRY_COUNT ? e.getSize() : -1;
    }
}
