package dev.aigw.servlet.suite;

import org.junit.jupiter.api.Nested;

/**
 * The whole shared container suite: {@link UpstreamSuite}'s setup and groups, plus the groups the proxy's upstream
 * client plays no part in (request context, webhooks, the WAR drop-in). One small subclass per container runs it.
 */
public abstract class ContainerSuite extends UpstreamSuite {
    @Nested
    class Context extends ContextTests {
        Context() {
            super(ContainerSuite.this);
        }
    }

    @Nested
    class Webhooks extends WebhookTests {
        Webhooks() {
            super(ContainerSuite.this);
        }
    }

    @Nested
    class WarDropIn extends WarDropInTests {
        WarDropIn() {
            super(ContainerSuite.this);
        }
    }
}
