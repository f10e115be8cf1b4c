/**
 * OpenTelemetry for aigw's calls: {@code AigwTelemetry}, an exchange observer found as a service. The OpenTelemetry
 * API is the application's (optional: without it, nothing is observed).
 */
module dev.aigw.opentelemetry {
    requires transitive dev.aigw.core;
    requires static transitive io.opentelemetry.api;
    requires static io.opentelemetry.context;

    exports dev.aigw.opentelemetry;

    provides dev.aigw.ExchangeObserver with dev.aigw.opentelemetry.AigwTelemetry;
}
