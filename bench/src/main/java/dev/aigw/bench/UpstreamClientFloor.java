package dev.aigw.bench;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The floor an upstream HTTP client puts under a proxy: sequential GETs of the harness's prediction from the same
 * local upstream, with the JDK client as aigw's proxy configures it (a small fixed pool), with a same-thread executor,
 * and with Jetty's client (the one Jetty's ProxyServlet uses). Median and p90 per request, three rounds.
 *
 * <p>{@code java -cp ... dev.aigw.bench.UpstreamClientFloor}
 */
public final class UpstreamClientFloor {
    private UpstreamClientFloor() {
    }

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        server.addConnector(c);
        server.setHandler(new UpstreamHandler());
        server.start();
        URI uri = URI.create("http://127.0.0.1:" + c.getLocalPort() + LoadServer.GATEWAY_PATH + "/predictions/x");
        ExecutorService pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        HttpClient jdkPool = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(pool).build();
        HttpClient jdkInline = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Runnable::run)
                .build();
        org.eclipse.jetty.client.HttpClient jetty = new org.eclipse.jetty.client.HttpClient();
        jetty.start();
        HttpRequest get = HttpRequest.newBuilder(uri).build();
        System.out.println("| client | p50 µs | p90 µs |\n|---|---|---|");
        for (int round = 0; round < 3; round++) {
            boolean last = round == 2; // the first rounds warm up
            report(last, "JDK HttpClient, fixed pool of 4 (as aigw's proxy)", () -> jdkPool.sendAsync(get,
                    HttpResponse.BodyHandlers.discarding()).get());
            report(last, "JDK HttpClient, same-thread executor", () -> jdkInline.sendAsync(get,
                    HttpResponse.BodyHandlers.discarding()).get());
            report(last, "Jetty HttpClient (as Jetty's ProxyServlet)", () -> jetty.newRequest(uri).send());
        }
        jetty.stop();
        pool.shutdown();
        server.stop();
    }

    interface Call {
        void run() throws Exception;
    }

    private static void report(boolean print, String name, Call call) throws Exception {
        long[] t = new long[3000];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            call.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        if (print) {
            System.out.printf("| %s | %d | %d |%n", name, t[t.length / 2] / 1000, t[t.length * 9 / 10] / 1000);
        }
    }
}
