package dev.aigw.cluster;

import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * For tests of the engines themselves: a real {@link RedisServer} and a one-member embedded Hazelcast cluster, and
 * engines on them (each instance of an application has its own); closing it closes every engine made here, then the
 * member and the server.
 */
final class Engines implements AutoCloseable {
    final RedisServer redis;
    final HazelcastMembers hazelcast;
    private final Duration timeout;
    private final List<StateEngine> made = new CopyOnWriteArrayList<>();

    /** @param timeout the engines' {@code aigw.state.timeout} */
    Engines(Duration timeout) throws Exception {
        this.timeout = timeout;
        redis = new RedisServer();
        try {
            redis.start();
            hazelcast = new HazelcastMembers(1);
        } catch (Exception | Error e) {
            redis.close();
            throw e;
        }
    }

    StateEngine onRedis(boolean failOpen) {
        return kept(StateEngines.redis(RedisUrl.parse(redis.url()), timeout, failOpen));
    }

    /** On the cache {@code cache} of the member. */
    StateEngine onJCache(String cache, boolean failOpen) {
        return kept(StateEngines.jcache(hazelcast.managers.get(0), cache, null, Duration.ofDays(1), timeout,
                failOpen));
    }

    private StateEngine kept(StateEngine e) {
        made.add(e);
        return e;
    }

    @Override
    public void close() throws Exception {
        made.forEach(StateEngine::close);
        try {
            hazelcast.close();
        } finally {
            redis.close();
        }
    }
}
