package dev.aigw.opentelemetry;

import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.TestkitExtension;

/** A {@link Gateway} to the testkit's fake gateway, as production code would configure one. */
final class Kit {
    static final String API = "https://api.replicate.com/v1";

    private Kit() {
    }

    static Gateway.Builder gateway(TestkitExtension kit) {
        return Gateway.builder().baseUrl(kit.gateway().baseUrl().toString()).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(kit.gatewayToken()).log(Gateway.Log.OFF);
    }
}
