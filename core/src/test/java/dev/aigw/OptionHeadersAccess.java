package dev.aigw;

import java.util.Map;

/** For tests in other packages: the headers {@link CallOptions} become, as adapters send them. */
public final class OptionHeadersAccess {
    private OptionHeadersAccess() {
    }

    public static void write(CallOptions o, Map<String, String> out) {
        OptionHeaders.write(o, out);
    }
}
