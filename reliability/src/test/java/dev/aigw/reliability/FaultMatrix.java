package dev.aigw.reliability;

import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.ExchangeRecord.Outcome;
import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault matrix of issue #8: every fault the testkit can inject, on both of aigw's paths (JAX-RS client with
 * {@code AigwFeature} on Jersey 3.1; {@code AigwProxyFilter} on Jetty 12 ee10 and Tomcat 10.1, each with Jetty's
 * and with the JDK's HTTP client as its upstream). Each case checks
 * <ol>
 * <li>what the caller sees (exception, status and problem+json body, or the passed-through answer),</li>
 * <li>that no call takes longer than the configured timeout plus {@link #MARGIN} (a bound, not a benchmark),</li>
 * <li>exactly one {@link ExchangeRecord} per call, with the expected {@link Outcome} (the gateway is closed
 * before counting, which flushes its asynchronous record dispatcher),</li>
 * <li>that nothing is left behind once the client/server of the case is closed: no new thread, no connection
 * towards the fakes (client side, ESTABLISHED in /proc/net/tcp*), at most {@link #FD_TOLERANCE} more open file
 * descriptors than before the case. Idle keep-alive connections may linger up to {@link #QUIESCE_MS}; they must
 * be gone by then.</li>
 * </ol>
 * docs/RELIABILITY.md tabulates the outcomes.
 *
 * <p>Each path is a test class of its own ({@code FaultMatrixOn*Test}) so that the module's three test JVMs run them
 * side by side: the matrix mostly waits for timeouts, and each JVM's leak checks (threads, descriptors, connections
 * to its own fakes) see only its own cases.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // the paths come from the subclass
abstract class FaultMatrix {
    /** Client connect timeout (both paths) and the proxy's connect timeout. */
    static final Duration CONNECT = Duration.ofSeconds(1);
    /** Jersey's read timeout: time to the response head and between body reads. */
    static final Duration JAXRS_READ = Duration.ofSeconds(3);
    /** {@code aigw.proxy.timeout}: time to the upstream's response head (1 s at least). */
    static final Duration PROXY_HEAD = Duration.ofSeconds(2);
    /** The proxy caller's own read timeout (the proxy bounds only the wait for the head). */
    static final Duration PROXY_CALLER_READ = Duration.ofSeconds(5);
    /** Slack for scheduling on a loaded 2-core machine. */
    static final Duration MARGIN = Duration.ofSeconds(3);
    /** Lazily opened jars, selector and timer descriptors of the JDK may stay; anything more is a leak. */
    static final int FD_TOLERANCE = 3;
    static final long QUIESCE_MS = 15_000;

    /** The JAX-RS client; the proxy on Jetty and on Tomcat with each upstream client (Jetty's, the JDK's). */
    enum PathKind {
        JAXRS, PROXY, PROXY_TOMCAT, PROXY_JDK, PROXY_TOMCAT_JDK;

        ProxyCaller.Container container() {
            return this == PROXY_TOMCAT || this == PROXY_TOMCAT_JDK ? ProxyCaller.Container.TOMCAT_10
                    : ProxyCaller.Container.JETTY_EE10;
        }

        String upstream() {
            return this == PROXY_JDK || this == PROXY_TOMCAT_JDK ? "jdk" : "jetty";
        }
    }

    enum Fault {
        GATEWAY_UNREACHABLE,
        RESET_BEFORE_FIRST_BYTE,
        CLOSED_MID_BODY,
        BURST_5XX,
        /** Replicate answers 503 twice; aigw's default {@code cf-aig-max-attempts: 3} lets the gateway retry. */
        UPSTREAM_5XX_RETRIED_BY_GATEWAY,
        THROTTLED_429,
        FIRST_BYTE_AFTER_TIMEOUT,
        /** Replicate is slow; aigw's default {@code cf-aig-request-timeout: 1000} makes the gateway answer 504. */
        UPSTREAM_SLOWER_THAN_GATEWAY_TIMEOUT,
        STALLED_EVENT_STREAM,
        CLIENT_GONE_MID_STREAM
    }

    static Fakes fakes;

    /** The paths this class runs the faults on. */
    abstract List<PathKind> paths();

    @BeforeAll
    void start() throws Exception {
        fakes = new Fakes();
        // Load every class and jar both paths use once, so that lazily opened jar files are not taken for leaks.
        for (PathKind p : paths()) {
            BlockingQueue<ExchangeRecord> q = new LinkedBlockingQueue<>();
            try (Gateway g = fakes.aigw(fakes.gateway, q::add).build(); Caller c = warmUpCaller(p, g)) {
                assertThat(c.send("POST", "/models/" + Fakes.ECHO + "/predictions", "{\"input\":{}}").status())
                        .isEqualTo(201);
                c.send("GET", "/account", null);
            }
            try (Gateway g = fakes.aigw(fakes.streamGateway, q::add).build(); Caller c = warmUpCaller(p, g)) {
                c.stream("/predictions/" + fakes.createStreamingPrediction(Fakes.STORY), false);
            }
        }
    }

    @AfterAll
    void stop() {
        if (fakes != null) {
            fakes.close();
        }
    }

    /** Cold code on a loaded machine can be slow: the warm-up waits long. */
    static Caller warmUpCaller(PathKind p, Gateway g) throws Exception {
        Duration t = Duration.ofSeconds(30);
        return p == PathKind.JAXRS ? new JaxrsCaller(g, fakes.replicate.token(), t, t)
                : new ProxyCaller(p.container(), p.upstream(), g, fakes.replicate.token(), t, t, t);
    }

    static Caller caller(PathKind p, Gateway g) throws Exception {
        return p == PathKind.JAXRS
                ? new JaxrsCaller(g, fakes.replicate.token(), CONNECT, JAXRS_READ)
                : new ProxyCaller(p.container(), p.upstream(), g, fakes.replicate.token(), PROXY_HEAD, CONNECT,
                PROXY_CALLER_READ);
    }

    Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Fault f : Fault.values()) {
            for (PathKind p : paths()) {
                all.add(Arguments.of(p, f));
            }
        }
        return all.stream();
    }

    static final String CREATE_PATH = "/models/" + Fakes.ECHO + "/predictions";
    static final String CREATE_BODY = "{\"input\":{\"prompt\":\"hi\"}}";

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void faultIsSurvived(PathKind path, Fault fault) throws Exception {
        fakes.reset();
        Leaks.Snapshot before = Leaks.Snapshot.take(fakes.upstreamPorts());
        List<Caller.Answer> answers = new ArrayList<>();
        List<ExchangeRecord> got = new ArrayList<>();
        runCase(path, fault, answers, got);
        String held = before.awaitBack(FD_TOLERANCE, QUIESCE_MS);
        fakes.replicate.faults().clear();
        fakes.gateway.faults().clear();
        fakes.streamGateway.faults().clear();

        String report = path + " x " + fault + ": answers " + answers + "; records "
                + got.stream().map(r -> r.outcome() + "/" + r.httpStatus() + "/" + r.error()).toList()
                + "; gateway requests " + fakes.gateway.requests().size() + "+" + fakes.streamGateway.requests().size();
        System.out.println("[fault-matrix] " + report);

        assertThat(got).as("one record per call: " + report).hasSize(answers.size());
        Duration bound = (path == PathKind.JAXRS ? JAXRS_READ.plus(CONNECT) : PROXY_CALLER_READ.plus(CONNECT)).plus(MARGIN);
        for (Caller.Answer a : answers) {
            assertThat(a.elapsed()).as("time bound: " + report).isLessThanOrEqualTo(bound);
        }
        assertThat(held).as("left behind after the case: " + report).isEmpty();
        expect(path, fault, answers, got, report);
    }

    /**
     * One case, in its own frame: once it returns, nothing of the case's client, server or gateway is reachable
     * from the test, so what stays alive is held by aigw or the libraries.
     */
    private static void runCase(PathKind path, Fault fault, List<Caller.Answer> answers, List<ExchangeRecord> got)
            throws Exception {
        BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
        FakeGateway target = fault == Fault.GATEWAY_UNREACHABLE ? null
                : fault == Fault.STALLED_EVENT_STREAM || fault == Fault.CLIENT_GONE_MID_STREAM ? fakes.streamGateway
                : fakes.gateway;
        CallOptions defaults = fault == Fault.UPSTREAM_5XX_RETRIED_BY_GATEWAY
                ? CallOptions.builder().maxAttempts(3).retryDelay(Duration.ofMillis(100)).build()
                : fault == Fault.UPSTREAM_SLOWER_THAN_GATEWAY_TIMEOUT
                ? CallOptions.builder().requestTimeout(Duration.ofSeconds(1)).build()
                : CallOptions.NONE;
        try (Gateway g = fakes.aigw(target, records::add).defaults(defaults).build()) {
            try (Caller c = caller(path, g)) {
                answers.addAll(run(c, fault));
                // records of abandoned streams follow the caller's leaving; wait for them while all is still up
                awaitRecords(records, got, answers.size());
            }
        }
        records.drainTo(got); // closing the gateway flushed its dispatcher
    }

    private static List<Caller.Answer> run(Caller c, Fault fault) throws Exception {
        switch (fault) {
            case GATEWAY_UNREACHABLE:
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY));
            case RESET_BEFORE_FIRST_BYTE:
                fakes.gateway.faults().always().resetBeforeFirstByte();
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY));
            case CLOSED_MID_BODY:
                fakes.gateway.faults().next(1).closeAfterBytes(20);
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY));
            case BURST_5XX: {
                fakes.gateway.faults().next(3).status(503);
                List<Caller.Answer> a = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    a.add(c.send("POST", CREATE_PATH, CREATE_BODY));
                }
                return a;
            }
            case UPSTREAM_5XX_RETRIED_BY_GATEWAY:
                fakes.replicate.faults().next(2).onMethod("POST").status(503);
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY));
            case UPSTREAM_SLOWER_THAN_GATEWAY_TIMEOUT:
                fakes.replicate.faults().next(1).onMethod("POST").latency(Duration.ofSeconds(4));
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY));
            case THROTTLED_429:
                fakes.replicate.throttleNextCreates(1, Duration.ofSeconds(7));
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY), c.send("POST", CREATE_PATH, CREATE_BODY));
            case FIRST_BYTE_AFTER_TIMEOUT:
                fakes.gateway.faults().next(1).latency(Duration.ofSeconds(7));
                return List.of(c.send("POST", CREATE_PATH, CREATE_BODY));
            case STALLED_EVENT_STREAM: {
                String id = fakes.createStreamingPrediction(Fakes.SHORT);
                fakes.replicate.faults().next(1).onPath("/stream/").slowEvents(Duration.ofSeconds(7));
                return List.of(c.stream("/predictions/" + id, false));
            }
            case CLIENT_GONE_MID_STREAM: {
                String id = fakes.createStreamingPrediction(Fakes.STORY);
                return List.of(c.stream("/predictions/" + id, true));
            }
            default:
                throw new AssertionError(fault);
        }
    }

    private static void awaitRecords(BlockingQueue<ExchangeRecord> q, List<ExchangeRecord> got, int n)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (got.size() < n && System.nanoTime() < deadline) {
            ExchangeRecord r = q.poll(100, TimeUnit.MILLISECONDS);
            if (r != null) {
                got.add(r);
            }
        }
    }

    /** The caller's view and the record's outcome, per path and fault (the rows of docs/RELIABILITY.md). */
    private static void expect(PathKind path, Fault fault, List<Caller.Answer> answers, List<ExchangeRecord> got,
                               String report) {
        Caller.Answer a = answers.get(0);
        ExchangeRecord r = got.get(0);
        boolean jaxrs = path == PathKind.JAXRS;
        switch (fault) {
            case GATEWAY_UNREACHABLE -> {
                if (jaxrs) {
                    assertThat(a.errorChain()).as(report).isEqualTo("ProcessingException <- ConnectException");
                } else {
                    assertProblem(a, 502, "gateway_unreachable", report);
                    assertThat(a.body()).contains("safe to retry");
                }
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.FAILURE);
                assertThat(r.httpStatus()).isZero();
                assertThat(fakes.gateway.requests()).isEmpty();
            }
            case RESET_BEFORE_FIRST_BYTE -> {
                if (jaxrs) {
                    assertThat(a.errorChain()).as(report).isEqualTo("ProcessingException <- SocketException");
                    // HttpURLConnection (Jersey's default connector) silently resends a request whose connection was
                    // reset before the answer, even a POST: the gateway saw the create twice (a known JDK behaviour)
                    assertThat(fakes.gateway.requests()).as(report).hasSize(2);
                } else {
                    assertProblem(a, 502, "upstream_failed", report);
                    assertThat(fakes.gateway.requests()).as(report).hasSize(1); // neither client resends a POST
                }
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.FAILURE);
                assertThat(r.httpStatus()).isZero();
            }
            case CLOSED_MID_BODY -> {
                if (jaxrs) {
                    assertThat(a.status()).as(report).isEqualTo(201);
                    assertThat(a.errorChain()).as(report).startsWith("ProcessingException <- IOException");
                } else {
                    // nothing had reached the client yet: a 502 rather than a truncated body taken for complete
                    assertProblem(a, 502, "upstream_failed", report);
                }
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.FAILURE);
                assertThat(r.httpStatus()).isEqualTo(201);
                assertThat(r.error()).as(report).contains("IOException");
            }
            case BURST_5XX -> {
                // the gateway's own 503 answers pass through unchanged; aigw resends nothing, the next call succeeds
                assertThat(answers).extracting(Caller.Answer::status).containsExactly(503, 503, 503, 201);
                assertThat(answers.get(0).body()).contains("\"internalCode\":2005");
                assertThat(got).extracting(ExchangeRecord::outcome).containsExactly(Outcome.HTTP_ERROR,
                        Outcome.HTTP_ERROR, Outcome.HTTP_ERROR, Outcome.SUCCESS);
                assertThat(fakes.gateway.requests()).hasSize(4);
            }
            case UPSTREAM_5XX_RETRIED_BY_GATEWAY -> {
                assertThat(a.status()).as(report).isEqualTo(201);
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.SUCCESS);
                assertThat(fakes.gateway.requests()).as(report).hasSize(1);
                assertThat(fakes.gateway.requests().get(0).request().header("cf-aig-max-attempts")).isEqualTo("3");
                assertThat(fakes.replicate.requests()).as(report).hasSize(3); // two 503s, then the create
            }
            case UPSTREAM_SLOWER_THAN_GATEWAY_TIMEOUT -> {
                // the gateway's own 504 (AiGatewayError 2005) passes through unchanged on both paths
                assertThat(a.status()).as(report).isEqualTo(504);
                assertThat(a.body()).as(report).contains("\"internalCode\":2005");
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.HTTP_ERROR);
                assertThat(r.httpStatus()).isEqualTo(504);
                assertThat(a.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(950));
            }
            case THROTTLED_429 -> {
                assertThat(answers).extracting(Caller.Answer::status).containsExactly(429, 201);
                assertThat(a.body()).as(report).contains("\"retry_after\":7");
                assertThat(a.contentType()).startsWith("application/problem+json");
                assertThat(got).extracting(ExchangeRecord::outcome).containsExactly(Outcome.HTTP_ERROR, Outcome.SUCCESS);
                assertThat(got.get(0).httpStatus()).isEqualTo(429);
            }
            case FIRST_BYTE_AFTER_TIMEOUT -> {
                if (jaxrs) {
                    assertThat(a.errorChain()).as(report).isEqualTo("ProcessingException <- SocketTimeoutException");
                    assertThat(a.elapsed()).isGreaterThanOrEqualTo(JAXRS_READ.minusMillis(50));
                } else {
                    assertProblem(a, 504, "upstream_timeout", report);
                    assertThat(a.elapsed()).isGreaterThanOrEqualTo(PROXY_HEAD.minusMillis(50))
                            .isLessThan(PROXY_HEAD.plus(MARGIN));
                }
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.FAILURE);
            }
            case STALLED_EVENT_STREAM -> {
                assertThat(a.status()).as(report).isEqualTo(200);
                assertThat(a.contentType()).startsWith("text/event-stream");
                assertThat(a.errorChain()).as(report).endsWith("SocketTimeoutException");
                assertThat(a.events()).isZero();
                if (jaxrs) {
                    // the read error reached aigw's counting stream: the call failed
                    assertThat(r.outcome()).as(report).isEqualTo(Outcome.FAILURE);
                } else {
                    // The caller gave up; the proxy learns it only from a failed write (the Servlet API reports no
                    // disconnect without I/O). Mostly the next write fails and the call is CANCELLED; but async
                    // writes are accepted by the container before they reach the socket, so when the upstream ends
                    // right after the stall the proxy may complete first and record SUCCESS (seen once in five runs).
                    assertThat(r.outcome()).as(report).isIn(Outcome.CANCELLED, Outcome.SUCCESS);
                    if (r.outcome() == Outcome.CANCELLED) {
                        assertThat(r.error()).contains("client disconnected");
                    }
                }
                assertThat(r.httpStatus()).isEqualTo(200);
            }
            case CLIENT_GONE_MID_STREAM -> {
                assertThat(a.status()).as(report).isEqualTo(200);
                assertThat(a.error()).as(report).isNull();
                assertThat(a.events()).isEqualTo(1);
                // one meaning on both paths: closed before its end, cancelled with the bytes that passed
                assertThat(r.outcome()).as(report).isEqualTo(Outcome.CANCELLED);
                assertThat(r.error()).contains(jaxrs ? "closed the response before its end" : "client disconnected");
                assertThat(r.bytesReceived()).as(report).isPositive();
                assertThat(r.httpStatus()).isEqualTo(200);
            }
            default -> throw new AssertionError(fault);
        }
    }

    private static void assertProblem(Caller.Answer a, int status, String code, String report) {
        assertThat(a.status()).as(report).isEqualTo(status);
        assertThat(a.error()).as(report).isNull();
        assertThat(a.contentType()).as(report).startsWith("application/problem+json");
        assertThat(a.body()).as(report).contains("\"code\":\"" + code + "\"").contains("\"status\":" + status);
    }
}
