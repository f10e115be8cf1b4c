package dev.aigw.bench;

import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ReplayVerdict;
import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;

import javax.cache.Cache;
import javax.cache.CacheManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The engine operations alone, without the HTTP call around them, interleaved like the proxied calls: where a
 * proxied call's added time goes. Per engine, the floor (one plain read: a round trip on Redis; on JCache the same
 * read on the caller's thread and through aigw's hand-off to an {@code aigw-state} thread, whose difference is the
 * hand-off), the rate limit's take-a-token (what each proxied call adds) and a webhook's first sight plus acceptance
 * (what each delivery adds).
 */
final class StateOps {
    private StateOps() {
    }

    static void run(String redisUrl, List<Grid> grids, int rounds, int perRound) throws Exception {
        CacheManager jcache = grids.get(0).manager;
        List<StateEngine> engines = new ArrayList<>();
        StateEngine redisA = open(engines, StateEngines.redis(RedisUrl.parse(redisUrl), SharedState.DEFAULT_TIMEOUT,
                true));
        StateEngine redisB = open(engines, StateEngines.redis(RedisUrl.parse(redisUrl), SharedState.DEFAULT_TIMEOUT,
                true));
        StateEngine grid = open(engines, StateEngines.jcache(jcache, "aigw-ops", null, SharedState.DEFAULT_CREATOR_TTL,
                SharedState.DEFAULT_TIMEOUT, true));
        StateEngine gridAsync = open(engines, StateEngines.jcache(jcache, StateLatency.ASYNC_CACHE, null,
                SharedState.DEFAULT_CREATOR_TTL, SharedState.DEFAULT_TIMEOUT, true));
        StateEngine gridNoBackup = open(engines, StateEngines.jcache(jcache, StateLatency.NO_BACKUP_CACHE, null,
                SharedState.DEFAULT_CREATOR_TTL, SharedState.DEFAULT_TIMEOUT, true));
        Cache<Object, Object> opsCache = jcache.getCache("aigw-ops");
        String[] keys = new String[StateLatency.USERS];
        for (int u = 0; u < keys.length; u++) {
            keys[u] = "user:ops-" + u;
        }

        Map<String, Cells.Op> ops = new LinkedHashMap<>();
        ops.put("memory: rate limit", limit(null, null, keys));
        ops.put("memory: webhook first sight + accepted", webhook(null));
        ops.put("redis: one GET (a round trip)", i -> redisA.tryGet("aigw:floor:" + keys[i % keys.length]));
        ops.put("redis: rate limit", limit(redisA, null, keys));
        ops.put("redis: rate limit, 2 instances alternating", limit(redisA, redisB, keys));
        ops.put("redis: webhook first sight + accepted", webhook(redisA));
        ops.put("jcache: get on the caller's thread", i -> opsCache.get("aigw:floor:" + keys[i % keys.length]));
        ops.put("jcache: get through aigw (hand-off)", i -> grid.tryGet("aigw:floor:" + keys[i % keys.length]));
        // the floor of any write: the same size as a bucket's state, with the cache's backup
        Cache<Object, Object> asyncCache = jcache.getCache(StateLatency.ASYNC_CACHE);
        byte[] state = new byte[64];
        ops.put("jcache: put of 64 bytes on the caller's thread", i -> opsCache.put("aigw:put:" + keys[i % keys.length],
                state));
        ops.put("jcache: put of 64 bytes, async backup", i -> asyncCache.put("aigw:put:" + keys[i % keys.length],
                state));
        ops.put("jcache: rate limit", limit(grid, null, keys));
        ops.put("jcache: rate limit, async backup", limit(gridAsync, null, keys));
        ops.put("jcache: rate limit, no backup", limit(gridNoBackup, null, keys));
        ops.put("jcache: webhook first sight + accepted", webhook(grid));
        for (Grid g : grids.subList(1, grids.size())) {
            StateEngine e = open(engines, StateEngines.jcache(g.manager, "aigw-ops", null,
                    SharedState.DEFAULT_CREATOR_TTL, SharedState.DEFAULT_TIMEOUT, true));
            Cache<Object, Object> c = g.manager.getCache("aigw-ops");
            ops.put(g.label + ": get on the caller's thread", i -> c.get("aigw:floor:" + keys[i % keys.length]));
            ops.put(g.label + ": rate limit", limit(e, null, keys));
        }
        Cells cells = new Cells(rounds, perRound, new long[0], () -> new long[0]);
        ops.forEach(cells::add);
        cells.run();

        System.out.printf("| engine operation (%d × %d each, interleaved) | p50 µs | p90 µs | JVM CPU µs/op |%n",
                rounds, perRound);
        System.out.println("|---|---|---|---|");
        for (String name : cells.names()) {
            System.out.printf("| %s | %.1f | %.1f | %.1f |%n", name, cells.percentile(name, 50),
                    cells.percentile(name, 90), cells.cpuPerCall(name));
        }
        engines.forEach(StateEngine::close);
    }

    private static StateEngine open(List<StateEngine> engines, StateEngine e) {
        engines.add(e);
        return e;
    }

    /** Takes a token for one of the users; with {@code other}, a user's calls alternate between the two engines. */
    private static Cells.Op limit(StateEngine engine, StateEngine other, String[] keys) {
        RateLimiter.Rate rate = RateLimiter.Rate.parse("100000000/min");
        RateLimiter a = RateLimiter.of(rate, 100_000, engine, 0);
        RateLimiter b = other == null ? a : RateLimiter.of(rate, 100_000, other, 0);
        return i -> {
            RateLimiter l = (i / keys.length) % 2 == 0 ? a : b;
            if (!l.acquire(keys[i % keys.length]).allowed()) {
                throw new IllegalStateException("refused");
            }
        };
    }

    private static Cells.Op webhook(StateEngine engine) {
        ReplayGuard guard = ReplayGuard.of(Duration.ofMinutes(11), 100_000, engine);
        return i -> {
            String id = "msg_" + UUID.randomUUID();
            if (guard.begin(id) != ReplayVerdict.ADMITTED || !guard.accepted(id)) {
                throw new IllegalStateException("replay memory failed");
            }
        };
    }
}
