package dev.aigw.cluster;

import com.hazelcast.cache.impl.HazelcastServerCachingProvider;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import javax.cache.CacheManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * An embedded Hazelcast cluster of {@code n} members on loopback (TCP/IP join, no multicast, no phone-home), each
 * with its own JCache {@link CacheManager}: the way each instance of an application embeds a member.
 */
final class HazelcastMembers implements AutoCloseable {
    final List<HazelcastInstance> members = new ArrayList<>();
    final List<CacheManager> managers = new ArrayList<>();

    HazelcastMembers(int n) throws Exception {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = freePort();
        }
        String cluster = "aigw-cluster-" + UUID.randomUUID();
        List<CompletableFuture<HazelcastInstance>> starting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Config c = config(cluster, cluster + "-member-" + i, ports[i], ports); // several clusters in one JVM
            starting.add(CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(c)));
        }
        for (CompletableFuture<HazelcastInstance> f : starting) {
            members.add(f.get());
        }
        for (HazelcastInstance m : members) {
            // a provider per member: JCache keeps one manager per URI and class loader, and all of ours share both
            managers.add(new HazelcastServerCachingProvider(m).getCacheManager());
        }
        long end = System.nanoTime() + 30_000_000_000L;
        while (members.get(0).getCluster().getMembers().size() < n) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the members did not form one cluster");
            }
            Thread.sleep(50);
        }
    }

    static Config config(String cluster, String name, int port, int[] all) {
        Config c = new Config();
        c.setClusterName(cluster);
        c.setInstanceName(name);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(port).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int p : all) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p);
        }
        return c;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (CacheManager m : managers) {
            m.close();
        }
        for (HazelcastInstance m : members) {
            m.getLifecycleService().terminate();
        }
    }
}
