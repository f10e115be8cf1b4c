package dev.aigw;

/**
 * A setting or option has a value aigw cannot use. The message is one line naming the key, the
 * value (secrets masked) and what is allowed, so it can be shown as-is at start-up.
 */
public final class GatewayConfigurationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String allowed;

    public GatewayConfigurationException(String key, String allowed, String message) {
        super(message);
        this.key = key;
        this.allowed = allowed;
    }

    /** What would have been accepted, e.g. "a whole number from 1 to 5". */
    public String allowed() {
        return allowed;
    }

    /** The setting key ({@code aigw.cache-ttl}) or option name the problem is about. */
    public String key() {
        return key;
    }
}
