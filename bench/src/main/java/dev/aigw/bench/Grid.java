package dev.aigw.bench;

import com.hazelcast.cache.impl.HazelcastServerCachingProvider;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import javax.cache.CacheManager;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An embedded Hazelcast cluster for the state benchmark: members in this JVM (the first is the one the proxy's
 * {@link CacheManager} talks to, as an application instance's embedded member would) and members in JVMs of their
 * own (child processes, as other application instances are), all on loopback with the same member properties.
 * A child ends when its standard input closes, so it never outlives the benchmark.
 */
final class Grid implements AutoCloseable {
    final String label;
    final List<HazelcastInstance> members;
    final List<Process> children;
    final CacheManager manager;

    private Grid(String label, List<HazelcastInstance> members, List<Process> children) {
        this.label = label;
        this.members = members;
        this.children = children;
        this.manager = new HazelcastServerCachingProvider(members.get(0)).getCacheManager();
    }

    /**
     * @param inJvm     members in this JVM (at least one)
     * @param ownJvms   members each in a JVM of its own
     * @param props     Hazelcast member properties, for every member
     */
    static Grid start(String label, int inJvm, int ownJvms, Map<String, String> props) throws Exception {
        int n = inJvm + ownJvms;
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = StateLatency.freePort();
        }
        String name = "aigw-bench-" + UUID.randomUUID();
        List<Process> children = new ArrayList<>();
        for (int i = inJvm; i < n; i++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            // the same module access as this JVM (Hazelcast's flags), none of its recording options
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add"))
                    .forEach(cmd::add);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Grid.class.getName());
            cmd.add(name);
            cmd.add(Integer.toString(i));
            cmd.add(join(ports));
            props.forEach((k, v) -> cmd.add(k + "=" + v));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(new File(System.getProperty("java.io.tmpdir"), name + "-" + i + ".log")).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            children.add(p);
        }
        List<CompletableFuture<HazelcastInstance>> starting = new ArrayList<>();
        for (int i = 0; i < inJvm; i++) {
            Config cfg = config(name, i, ports, props);
            starting.add(CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(cfg)));
        }
        List<HazelcastInstance> out = new ArrayList<>();
        for (var f : starting) {
            out.add(f.get(120, TimeUnit.SECONDS));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (out.get(0).getCluster().getMembers().size() < n) {
            for (Process p : children) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(label + ": a member's JVM ended (exit " + p.exitValue() + ")");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(label + ": the members did not join within 120 s");
            }
            Thread.sleep(50);
        }
        return new Grid(label, out, children);
    }

    /** The child's part: {@code Grid <cluster> <index> <port,port,...> [property=value ...]}. */
    public static void main(String[] args) throws Exception {
        int[] ports = java.util.Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        Map<String, String> props = new java.util.LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            props.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
        }
        HazelcastInstance m = Hazelcast.newHazelcastInstance(config(args[0], Integer.parseInt(args[1]), ports, props));
        System.out.println("member up");
        while (System.in.read() >= 0) { // until the benchmark ends (or dies)
        }
        m.getLifecycleService().terminate();
        System.exit(0);
    }

    private static Config config(String name, int i, int[] ports, Map<String, String> props) {
        Config cfg = new Config().setClusterName(name).setInstanceName(name + "-" + i);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "none");
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        props.forEach(cfg::setProperty);
        cfg.getNetworkConfig().setPort(ports[i]).setPortAutoIncrement(false).getInterfaces().setEnabled(true)
                .addInterface("127.0.0.1");
        JoinConfig join = cfg.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int p : ports) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p);
        }
        return cfg;
    }

    private static String join(int[] ports) {
        StringBuilder sb = new StringBuilder();
        for (int p : ports) {
            sb.append(sb.length() == 0 ? "" : ",").append(p);
        }
        return sb.toString();
    }

    /** The process ids of the members in JVMs of their own. */
    long[] childPids() {
        return children.stream().mapToLong(Process::pid).toArray();
    }

    @Override
    public void close() throws Exception {
        manager.close();
        members.forEach(m -> m.getLifecycleService().terminate());
        for (Process p : children) {
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
