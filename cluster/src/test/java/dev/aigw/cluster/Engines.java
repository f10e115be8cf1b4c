package dev.aigw.cluster;

import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * For tests of the engines themselves, registered on a class ({@code @RegisterExtension static final}): a real
 * {@link RedisServer} and a one-member embedded Hazelcast cluster for the class's tests, and engines on them (each
 * instance of an application has its own); after the class, every engine made here is closed, then the member and
 * the server.
 */
final class Engines implements BeforeAllCallback, AfterAllCallback {
    RedisServer redis;
    HazelcastMembers hazelcast;
    private final Duration timeout;
    private final List<StateEngine> made = new CopyOnWriteArrayList<>();

    /** @param timeout the engines' {@code aigw.state.timeout} */
    Engines(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        redis = new RedisServer();
        redis.start();
        hazelcast = new HazelcastMembers(1);
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
    public void afterAll(ExtensionContext context) throws Exception {
        made.forEach(StateEngine::close);
        try {
            if (hazelcast != null) {
                hazelcast.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }
}
