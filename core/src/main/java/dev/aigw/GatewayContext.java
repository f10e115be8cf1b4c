package dev.aigw;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * The gateway options of the current unit of work (one incoming request, one job): metadata such
 * as the user or tenant, and any other {@link CallOptions} its provider calls should carry.
 *
 * <p>A context is opened as a scope and closed in {@code finally}:
 * <pre>{@code
 * try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", id).build())) {
 *     replicate.createPrediction(...);   // carries cf-aig-metadata: {"user":"..."}
 * }
 * }</pre>
 * Scopes nest (the inner options win field by field, metadata merged inner first). Work handed to
 * another thread takes the context along only explicitly: {@link #capture()} on the calling
 * thread and {@link Snapshot#apply()} on the other, or the {@link #wrap(Executor)} wrappers.
 * Nothing stays on a thread after its scope closes, so a pooled thread never carries one task's
 * context into the next.
 *
 * <p>A snapshot also takes along the thread state of the discovered {@link ExchangeObserver}s (with
 * aigw-opentelemetry: the current tracing context), so that calls made from the task are parented as if made where
 * the task was submitted.
 */
public final class GatewayContext {
    private static final ThreadLocal<CallOptions> CURRENT = new ThreadLocal<>();

    private GatewayContext() {
    }

    /** A context scope; {@link #close()} restores what the thread had before. Never throws. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Opens a scope whose options are {@code options} over the current ones. */
    public static Scope open(CallOptions options) {
        Objects.requireNonNull(options, "options");
        CallOptions previous = CURRENT.get();
        return install(previous == null ? options : options.over(previous), previous);
    }

    /** The options of the current scope, {@link CallOptions#NONE} outside any scope. */
    public static CallOptions current() {
        CallOptions c = CURRENT.get();
        return c == null ? CallOptions.NONE : c;
    }

    /** The current context, to re-apply on another thread. */
    public static Snapshot capture() {
        return new Snapshot(CURRENT.get(), dev.aigw.internal.Observers.capture());
    }

    /** Runs {@code task} in the context current at this call. */
    public static Runnable wrap(Runnable task) {
        return capture().wrap(task);
    }

    /** Calls {@code task} in the context current at this call. */
    public static <T> Callable<T> wrap(Callable<T> task) {
        return capture().wrap(task);
    }

    /** An executor that runs each task in the context current when the task was submitted. */
    public static Executor wrap(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return task -> executor.execute(wrap(task));
    }

    /**
     * An executor service that runs each task in the context current when the task was submitted
     * (e.g. for {@code ClientBuilder.executorService(...)}, so async client calls carry the caller's
     * context). Shutting it down shuts down {@code executor}.
     */
    public static ExecutorService wrap(ExecutorService executor) {
        return new ContextExecutorService(executor);
    }

    private static Scope install(CallOptions options, CallOptions previous) {
        CURRENT.set(options);
        Thread owner = Thread.currentThread();
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (closed || Thread.currentThread() != owner) {
                    return; // a scope belongs to the thread that opened it
                }
                closed = true;
                if (previous == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(previous);
                }
            }
        };
    }

    /** A captured context. */
    public static final class Snapshot {
        private final CallOptions options;
        private final ExchangeObserver.Carried[] carried;

        private Snapshot(CallOptions options, ExchangeObserver.Carried[] carried) {
            this.options = options;
            this.carried = carried;
        }

        /** The captured options, {@link CallOptions#NONE} when none were current. */
        public CallOptions options() {
            return options == null ? CallOptions.NONE : options;
        }

        /**
         * Makes this the current context of the calling thread (and the observers' captured state current) until the
         * scope is closed.
         */
        public Scope apply() {
            if (carried == null) {
                return applyOptions();
            }
            ExchangeObserver.Scope observed = dev.aigw.internal.Observers.attach(carried);
            Scope options = applyOptions();
            return () -> {
                options.close();
                observed.close();
            };
        }

        private Scope applyOptions() {
            CallOptions previous = CURRENT.get();
            if (options == null) {
                CURRENT.remove();
                Thread owner = Thread.currentThread();
                return () -> {
                    if (Thread.currentThread() == owner && previous != null) {
                        CURRENT.set(previous);
                    }
                };
            }
            return install(options, previous);
        }

        public Runnable wrap(Runnable task) {
            Objects.requireNonNull(task, "task");
            return () -> {
                try (Scope s = apply()) {
                    task.run();
                }
            };
        }

        public <T> Callable<T> wrap(Callable<T> task) {
            Objects.requireNonNull(task, "task");
            return () -> {
                try (Scope s = apply()) {
                    return task.call();
                }
            };
        }
    }
}
