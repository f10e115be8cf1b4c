package dev.aigw.testkit;

import dev.aigw.testkit.internal.FaultPlan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fault injection for one fake. Rules are consumed per request; the first rule whose scope matches applies:
 * <pre>
 * replicate.faults().next(3).status(503);                       // 5xx burst
 * replicate.faults().next(1).onPath("/v1/predictions").latency(Duration.ofSeconds(2));
 * gateway.faults().next(1).resetBeforeFirstByte();
 * gateway.faults().next(1).redirect(302, "http://127.0.0.1:9999/elsewhere");
 * replicate.faults().always().onPath("/stream/").slowEvents(Duration.ofMillis(200));
 * </pre>
 */
public final class Faults {
    private final FaultPlan plan;

    Faults(FaultPlan plan) {
        this.plan = plan;
    }

    /** Applies to the next {@code n} matching requests. */
    public Spec next(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        return new Spec(n);
    }

    /** Applies to every matching request until {@link #clear()}. */
    public Spec always() {
        return new Spec(-1);
    }

    /** Removes all pending rules and answers requests being held ({@link Spec#hold}). */
    public Faults clear() {
        plan.clear();
        return this;
    }

    /** Number of rules not yet used up. */
    public int pending() {
        return plan.pending();
    }

    /** Scope (path prefix, method) then one fault; the terminal call registers the rule. */
    public final class Spec {
        private final int count;
        private String pathPrefix;
        private String method;

        private Spec(int count) {
            this.count = count;
        }

        /** Only requests whose raw path starts with this prefix, e.g. {@code /v1/predictions}. */
        public Spec onPath(String prefix) {
            this.pathPrefix = Objects.requireNonNull(prefix);
            return this;
        }

        public Spec onMethod(String method) {
            this.method = Objects.requireNonNull(method);
            return this;
        }

        /** Answers with this status and the fake's own error body (problem+json / AiGatewayError). */
        public Faults status(int status) {
            return add(FaultPlan.Kind.STATUS, status, null, 0);
        }

        /** Sleeps before handling the request normally. */
        public Faults latency(Duration delay) {
            return add(FaultPlan.Kind.LATENCY, 0, delay, 0);
        }

        /**
         * Holds the request unanswered for {@code delay}, then answers 504, holding no thread meanwhile (unlike
         * {@link #latency}), so that hundreds of requests can stall at once; {@link #clear()} and the fake's
         * {@code reset()} answer held requests at once.
         */
        public Faults hold(Duration delay) {
            return add(FaultPlan.Kind.HOLD, 0, Objects.requireNonNull(delay, "delay"), 0);
        }

        /** Closes the connection before any response byte is sent. */
        public Faults resetBeforeFirstByte() {
            return add(FaultPlan.Kind.RESET, 0, null, 0);
        }

        /** Sends the status line, headers and {@code bytes} body bytes, then closes the connection. */
        public Faults closeAfterBytes(long bytes) {
            return add(FaultPlan.Kind.CLOSE_AFTER_BYTES, 0, null, bytes);
        }

        /** Delays every body write (each SSE event is one write) by {@code delay}. */
        public Faults slowEvents(Duration delay) {
            return add(FaultPlan.Kind.SLOW_WRITES, 0, delay, 0);
        }

        /**
         * Answers with the body's {@code Content-Length} (the fake gathers its small body first), sent in two parts:
         * the first {@code bytes} (all of it when shorter), then the rest after {@code pause}.
         */
        public Faults withLength(long bytes, Duration pause) {
            return add(FaultPlan.Kind.WITH_LENGTH, 0, Objects.requireNonNull(pause, "pause"), bytes);
        }

        /**
         * Answers normally, with a header field {@code name: value} added for each value, in order, before the fake
         * writes its own: e.g. {@code header("Content-Encoding", "identity", "gzip")} sends two fields, as an
         * upstream that labels its answer oddly may (the body is not encoded). On the fake gateway, fields of that
         * name in the provider's answer replace them.
         */
        public Faults header(String name, String... values) {
            Objects.requireNonNull(name, "name");
            if (values.length == 0) {
                throw new IllegalArgumentException("header needs at least one value");
            }
            List<String> fields = new ArrayList<>();
            for (String v : values) {
                fields.add(name);
                fields.add(Objects.requireNonNull(v, "value"));
            }
            plan.add(new FaultPlan.Rule(pathPrefix, method, count, FaultPlan.Kind.HEADERS, 0, null, 0, null,
                    List.copyOf(fields)));
            return Faults.this;
        }

        /** Answers with a redirect ({@code status}, 3xx) to {@code location}, as a misbehaving or hijacked host might. */
        public Faults redirect(int status, String location) {
            if (status < 300 || status > 399) {
                throw new IllegalArgumentException("a redirect status is 3xx, not " + status);
            }
            plan.add(new FaultPlan.Rule(pathPrefix, method, count, FaultPlan.Kind.REDIRECT, status, null, 0,
                    Objects.requireNonNull(location, "location"), List.of()));
            return Faults.this;
        }

        /**
         * {@link #header} for several names at once ({@code name, value, name, value, ...}), as a misbehaving or
         * hijacked host might send them: {@code Set-Cookie}, {@code Clear-Site-Data}, {@code NEL} and the like.
         */
        public Faults headers(String... namesAndValues) {
            if (namesAndValues.length == 0 || namesAndValues.length % 2 != 0) {
                throw new IllegalArgumentException("names and values in turn, at least one pair");
            }
            for (String s : namesAndValues) {
                Objects.requireNonNull(s, "name or value");
            }
            plan.add(new FaultPlan.Rule(pathPrefix, method, count, FaultPlan.Kind.HEADERS, 0, null, 0, null,
                    List.of(namesAndValues)));
            return Faults.this;
        }

        private Faults add(FaultPlan.Kind kind, int status, Duration delay, long bytes) {
            plan.add(new FaultPlan.Rule(pathPrefix, method, count, kind, status, delay, bytes, null, List.of()));
            return Faults.this;
        }
    }
}
