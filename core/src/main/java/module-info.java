/**
 * aigw's core: routing through Cloudflare AI Gateway, call options and context, exchanges and their records,
 * listeners and observers, settings. The API is {@code dev.aigw}; {@code dev.aigw.internal} is shared with aigw's
 * own adapter modules only (Internal: not API).
 */
module dev.aigw.core {
    requires com.fasterxml.jackson.core;
    // the built-in log lines go to JUL directly when it backs System.Logger (RecordLog); absent otherwise
    requires static java.logging;

    exports dev.aigw;
    exports dev.aigw.internal to dev.aigw.jaxrs, dev.aigw.servlet, dev.aigw.httpclient, dev.aigw.opentelemetry;

    uses dev.aigw.ExchangeObserver;
}
