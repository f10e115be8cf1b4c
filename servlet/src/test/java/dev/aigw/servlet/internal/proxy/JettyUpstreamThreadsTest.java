package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Jetty upstream's threads: aigw's class loader, whoever started them; none left after stop. */
class JettyUpstreamThreadsTest {
    @Test
    void threadsCarryAigwsLoaderNotTheStartingThreadsAndEndWithStop() throws Exception {
        JettyUpstream upstream = new JettyUpstream(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30),
                64);
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        try (URLClassLoader application = new URLClassLoader(new URL[0], before)) {
            self.setContextClassLoader(application); // as a request thread of one web application would have it
            try {
                upstream.client().getScheduler().schedule(() -> { }, 1, java.util.concurrent.TimeUnit.MILLISECONDS);
            } finally {
                self.setContextClassLoader(before);
            }
            List<Thread> ours = threads();
            assertThat(ours).as("the pool's and the scheduler's threads").isNotEmpty()
                    .anyMatch(t -> t.getName().startsWith("aigw-proxy-jetty-scheduler"));
            for (Thread t : ours) {
                assertThat(t.getContextClassLoader()).as(t.getName()).isSameAs(JettyUpstream.class.getClassLoader())
                        .isNotSameAs(application);
            }
        } finally {
            upstream.stop();
        }
        assertThat(threads()).as("threads left after stop").isEmpty();
    }

    private static List<Thread> threads() throws InterruptedException {
        Thread.sleep(50); // the scheduler's thread starts with its first task
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("aigw-proxy-jetty")).toList();
    }
}
