package dev.aigw.testkit.internal;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Scripted faults, consumed per request: the first rule whose scope matches a request is applied to it and its
 * remaining count decremented. Thread-safe.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class FaultPlan {
    /** Writes the fake's own error shape for an injected status (problem+json or AiGatewayError). */
    public interface ErrorWriter {
        void write(Response response, Callback callback, int status);
    }

    public enum Kind { STATUS, LATENCY, HOLD, RESET, CLOSE_AFTER_BYTES, SLOW_WRITES, WITH_LENGTH, REDIRECT, HEADERS }

    /** {@code fields}: of {@link Kind#HEADERS}, names and values alternating (else empty). */
    public record Rule(String pathPrefix, String method, int count, Kind kind, int status, Duration delay, long bytes,
                       String location, List<String> fields) {
    }

    private static final class Live {
        final Rule rule;
        int remaining;

        Live(Rule rule) {
            this.rule = rule;
            this.remaining = rule.count();
        }
    }

    private final List<Live> rules = new ArrayList<>();
    /** Held exchanges not answered yet, each with its answer; answered at once by {@link #clear()}. */
    private final java.util.Map<Runnable, Boolean> held = new java.util.concurrent.ConcurrentHashMap<>();

    public synchronized void add(Rule rule) {
        rules.add(new Live(rule));
    }

    /** Bumped by {@link #clear()}: a pause under way ends early (a reset between cases, or the fake's stop). */
    private long clears; // guarded by this

    public void clear() {
        synchronized (this) {
            rules.clear();
            clears++;
            notifyAll();
        }
        for (Runnable answer : List.copyOf(held.keySet())) {
            answer.run();
        }
    }

    public synchronized int pending() {
        return rules.size();
    }

    private synchronized Rule take(String method, String path) {
        for (Iterator<Live> it = rules.iterator(); it.hasNext(); ) {
            Live live = it.next();
            Rule r = live.rule;
            boolean matches = (r.pathPrefix() == null || path.startsWith(r.pathPrefix()))
                    && (r.method() == null || r.method().equalsIgnoreCase(method));
            if (matches) {
                if (live.remaining > 0 && --live.remaining == 0) {
                    it.remove();
                }
                return r;
            }
        }
        return null;
    }

    /**
     * Applies the matching fault, if any. Returns null when the fault has already finished the exchange, otherwise
     * the response the handler should continue with (possibly wrapped to break or slow the body).
     */
    public Response apply(Request request, Response response, Callback callback, ErrorWriter errors)
            throws InterruptedException {
        long since;
        Rule rule;
        synchronized (this) {
            since = clears;
            rule = take(request.getMethod(), request.getHttpURI().getPath());
        }
        if (rule == null) {
            return response;
        }
        switch (rule.kind()) {
            case STATUS:
                errors.write(response, callback, rule.status());
                return null;
            case LATENCY:
                pause(rule.delay(), since);
                return response;
            case HEADERS:
                for (int i = 0; i < rule.fields().size(); i += 2) { // added before the handler answers: they stay
                    response.getHeaders().add(rule.fields().get(i), rule.fields().get(i + 1));
                }
                return response;
            case REDIRECT:
                response.getHeaders().put(HttpHeader.LOCATION, rule.location());
                Http.send(response, callback, rule.status(), null, new byte[0]);
                return null;
            case HOLD:
                later(request, rule.delay(), since, () -> errors.write(response, callback, 504));
                return null;
            case RESET:
                Http.abortConnection(request, callback, "fault: reset before first byte");
                return null;
            case CLOSE_AFTER_BYTES:
                return new BreakingResponse(request, response, rule.bytes());
            case SLOW_WRITES:
                return new SlowResponse(request, response, rule.delay(), this, since);
            case WITH_LENGTH:
                return new LengthResponse(request, response, rule.bytes(), rule.delay(), this, since);
            default:
                throw new IllegalStateException(rule.kind().toString());
        }
    }

    /**
     * Waits {@code delay}, or until {@link #clear()} was called after the fault was taken ({@code since}): a fault's
     * pause holds a server thread, and a cleared plan (a reset, the fake's stop) must leave nothing for the server to
     * wait for — the rest of a slowed stream included.
     */
    private void pause(Duration delay, long since) throws InterruptedException {
        long deadline = System.nanoTime() + delay.toNanos();
        synchronized (this) {
            long left;
            while (clears == since && (left = deadline - System.nanoTime()) > 0) {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /**
     * Runs {@code then} once, after {@code delay} or at {@link #clear()} (also one called after the fault was taken,
     * {@code since}, but before this was registered), holding no thread meanwhile: a stalled upstream (answered 504)
     * or the rest of a paused body costs the fake nothing, so hundreds can be held at once, and a cleared plan (a
     * reset, the fake's stop) leaves nothing for the server to wait for.
     */
    private void later(Request request, Duration delay, long since, Runnable then) {
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable[] run = new Runnable[1];
        run[0] = () -> {
            if (once.compareAndSet(false, true)) {
                held.remove(run[0]);
                then.run();
            }
        };
        held.put(run[0], Boolean.TRUE);
        boolean cleared;
        synchronized (this) {
            cleared = clears != since;
        }
        if (cleared) {
            run[0].run();
            return;
        }
        request.getComponents().getScheduler().schedule(run[0], delay.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Lets {@code limit} body bytes through, then drops the connection mid-body. */
    private static final class BreakingResponse extends Response.Wrapper {
        private final Request request;
        private long left;

        BreakingResponse(Request request, Response wrapped, long limit) {
            super(request, wrapped);
            this.request = request;
            this.left = limit;
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            int size = content == null ? 0 : content.remaining();
            if (size < left || (size == left && !last)) {
                left -= size;
                super.write(last, content, callback);
                return;
            }
            ByteBuffer head = content.slice();
            head.limit((int) left);
            left = 0;
            // Not "last": the client must see a body that stops without its proper end.
            super.write(false, head, Callback.from(
                    () -> Http.abortConnection(request, callback, "fault: connection closed mid-body"),
                    x -> Http.abortConnection(request, callback, "fault: connection closed mid-body")));
        }
    }

    /** Delays every body write, e.g. to make SSE events trickle. */
    private static final class SlowResponse extends Response.Wrapper {
        private final Duration delay;
        private final FaultPlan plan;
        private final long since;

        SlowResponse(Request request, Response wrapped, Duration delay, FaultPlan plan, long since) {
            super(request, wrapped);
            this.delay = delay;
            this.plan = plan;
            this.since = since;
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (content != null && content.hasRemaining()) {
                try {
                    plan.pause(delay, since);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    callback.failed(e);
                    return;
                }
            }
            super.write(last, content, callback);
        }
    }

    /**
     * Answers with the body's {@code Content-Length}, as an upstream that knows it does: the body written is gathered
     * (a test's small answer) and sent at its end in two parts, the first {@code bytes} (all of it when shorter),
     * then the rest after {@code pause}; the client gets the head and part of a body whose length it knows.
     */
    private static final class LengthResponse extends Response.Wrapper {
        private final Request request;
        private final long bytes;
        private final Duration pause;
        private final FaultPlan plan;
        private final long since;
        private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();

        LengthResponse(Request request, Response wrapped, long bytes, Duration pause, FaultPlan plan, long since) {
            super(request, wrapped);
            this.request = request;
            this.bytes = bytes;
            this.pause = pause;
            this.plan = plan;
            this.since = since;
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (content != null && content.hasRemaining()) {
                byte[] b = new byte[content.remaining()];
                content.get(b);
                body.writeBytes(b);
            }
            if (!last) {
                callback.succeeded();
                return;
            }
            byte[] all = body.toByteArray();
            getHeaders().put(HttpHeader.CONTENT_LENGTH, all.length);
            if (all.length <= bytes) {
                super.write(true, ByteBuffer.wrap(all), callback);
                return;
            }
            ByteBuffer rest = ByteBuffer.wrap(all, (int) bytes, all.length - (int) bytes);
            super.write(false, ByteBuffer.wrap(all, 0, (int) bytes), Callback.from(() -> plan.later(request, pause,
                    since, () -> super.write(true, rest, callback)), callback::failed));
        }
    }
}
