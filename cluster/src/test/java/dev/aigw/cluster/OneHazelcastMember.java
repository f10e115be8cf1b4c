package dev.aigw.cluster;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import javax.cache.CacheManager;

/**
 * One embedded Hazelcast member and its JCache manager for a test class, started before its first test and stopped
 * after its last: {@code @RegisterExtension static final OneHazelcastMember hazelcast = new OneHazelcastMember();}.
 */
final class OneHazelcastMember implements BeforeAllCallback, AfterAllCallback {
    private HazelcastMembers members;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        members = new HazelcastMembers(1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (members != null) {
            members.close();
            members = null;
        }
    }

    CacheManager manager() {
        return members.managers.get(0);
    }

    com.hazelcast.core.HazelcastInstance member() {
        return members.members.get(0);
    }
}
