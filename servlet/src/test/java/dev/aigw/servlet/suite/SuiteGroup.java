package dev.aigw.servlet.suite;

/**
 * One group of the shared suite's tests (one filter, or one concern across them). {@link UpstreamSuite} and
 * {@link ContainerSuite} run each group as a {@code @Nested} class that hands it the suite: the container under
 * test, the fakes and the helpers.
 */
public abstract class SuiteGroup {
    /** The header {@link TestAuthFilter} takes the caller's identity from. */
    protected static final String USER = "X-Test-User";

    /** The suite running this group. */
    protected final UpstreamSuite suite;

    protected SuiteGroup(UpstreamSuite suite) {
        this.suite = suite;
    }
}
