package dev.aigw;

import java.util.Map;

/**
 * A hook for instrumentation (tracing, metrics) that must act when a call <em>starts</em>, not only when its record
 * is written: it sees every exchange begin on the thread that begins it, may add gateway headers to it and make its
 * own state current around the transport's send, and receives the finished record.
 *
 * <p>Observers are registered with {@link Gateway.Builder#observer(ExchangeObserver)}, or discovered: every
 * implementation listed in {@code META-INF/services/dev.aigw.ExchangeObserver} on aigw's class path is added to every
 * gateway (setting {@code aigw.observers}: {@code auto}, the default, or {@code none}). Discovered observers are
 * created once per class loader and shared by all gateways; one given to the builder replaces a discovered one of the
 * same class.
 *
 * <p>Every method runs synchronously on a call's thread: keep it short, never block. An observer that throws is
 * logged and skipped; it never fails or changes the call.
 */
public interface ExchangeObserver {

    /**
     * An exchange starts, on the thread that starts it, before its request is sent.
     *
     * @return what to do for this exchange, or {@code null} for nothing
     */
    Observation start(Exchange exchange);

    /**
     * A record that the gateway's listeners will never see: they fell a whole queue behind. Called on the thread that
     * finished the exchange, after {@link Observation#finished}.
     */
    default void recordDropped(ExchangeRecord record) {
    }

    /**
     * The calling thread's state that work handed to another thread should take along (a tracing context), captured
     * by {@link GatewayContext#capture()} and made current again by {@link GatewayContext.Snapshot#apply()}. Only
     * discovered observers are asked, since a snapshot belongs to no gateway.
     *
     * @return the state, or {@code null} when there is nothing to carry
     */
    default Carried capture() {
        return null;
    }

    /** What an observer keeps for one exchange. */
    interface Observation {
        /**
         * Headers for the gateway (names starting with {@code cf-aig-}, printable ASCII), sent with the call unless
         * its options already set the same header, and never sent when the call falls back to the provider.
         */
        default Map<String, String> gatewayHeaders() {
            return Map.of();
        }

        /**
         * Makes this exchange's state current on the calling thread until the scope is closed, on the same thread,
         * so that instrumentation of the transport nests under it. Adapters open it around the send where the
         * transport lets them bracket it.
         */
        default Scope activate() {
            return Scope.NONE;
        }

        /** The exchange ended with {@code record}; called once, on the thread that ended it, before listeners run. */
        void finished(ExchangeRecord record);
    }

    /** Thread state captured on one thread, to be made current on another. */
    interface Carried {
        /** Makes the captured state current on the calling thread until the scope is closed. */
        Scope attach();
    }

    /** A scope opened and closed on one thread, in {@code finally}. Never throws. */
    interface Scope extends AutoCloseable {
        /** Does nothing. */
        Scope NONE = () -> {
        };

        @Override
        void close();
    }
}
