package dev.aigw;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The routing rule, one row per case. {@code -} in the expected column means "left untouched". */
class RoutingTest {
    private static final String ACCT = "0123456789abcdef0123456789abcdef";
    private static final String GW = "https://gateway.ai.cloudflare.com/v1/" + ACCT + "/my-gw/replicate";

    private static Gateway gateway(String baseUrl) {
        Gateway.Builder b = Gateway.builder().accountId(ACCT).gatewayId("my-gw").log(Gateway.Log.OFF);
        if (baseUrl != null) {
            b.baseUrl(baseUrl);
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        plain create                 | https://api.replicate.com/v1/predictions                     | GW/predictions
        get by id                    | https://api.replicate.com/v1/predictions/abc123              | GW/predictions/abc123
        cancel                       | https://api.replicate.com/v1/predictions/abc/cancel          | GW/predictions/abc/cancel
        model predictions            | https://api.replicate.com/v1/models/acme/echo/predictions    | GW/models/acme/echo/predictions
        upper-case host              | https://API.Replicate.COM/v1/predictions                     | GW/predictions
        upper-case scheme            | HTTPS://api.replicate.com/v1/predictions                     | GW/predictions
        explicit :443                | https://api.replicate.com:443/v1/predictions                 | GW/predictions
        absolute host, trailing dot  | https://api.replicate.com./v1/predictions                    | GW/predictions
        two trailing dots            | https://api.replicate.com../v1/predictions                   | -
        other port                   | https://api.replicate.com:8443/v1/predictions                | -
        /v10 is not /v1              | https://api.replicate.com/v10/predictions                    | -
        /v1foo is not /v1            | https://api.replicate.com/v1foo/predictions                  | -
        /V1 is another path          | https://api.replicate.com/V1/predictions                     | -
        trailing slash               | https://api.replicate.com/v1/predictions/                    | GW/predictions/
        empty rest                   | https://api.replicate.com/v1                                 | GW
        root slash rest              | https://api.replicate.com/v1/                                | GW/
        encoded slash kept           | https://api.replicate.com/v1/files/a%2Fb                     | GW/files/a%2Fb
        encoded segment kept         | https://api.replicate.com/v1/models/o/n%20x/versions         | GW/models/o/n%20x/versions
        percent not re-encoded       | https://api.replicate.com/v1/files/%252F                     | GW/files/%252F
        query kept byte for byte     | https://api.replicate.com/v1/models?cursor=cD0yMDIz%3D%3D&x=a+b | GW/models?cursor=cD0yMDIz%3D%3D&x=a+b
        encoded query separators     | https://api.replicate.com/v1/files?a=%26b%3Dc                | GW/files?a=%26b%3Dc
        empty query kept             | https://api.replicate.com/v1/predictions?                    | GW/predictions?
        fragment kept                | https://api.replicate.com/v1/predictions#frag                | GW/predictions#frag
        query and fragment           | https://api.replicate.com/v1/predictions?a=1#f               | GW/predictions?a=1#f
        userinfo dropped             | https://user:pw@api.replicate.com/v1/predictions             | GW/predictions
        http is not routed           | http://api.replicate.com/v1/predictions                      | -
        already routed               | GW/predictions                                               | -
        stream host untouched        | https://stream.replicate.com/v1/files/abc                    | -
        streaming api untouched      | https://streaming.api.replicate.com/v1/predictions/abc       | -
        web host untouched           | https://replicate.com/p/abc                                  | -
        delivery untouched           | https://replicate.delivery/pbxt/x/out-0.png                  | -
        look-alike host              | https://api.replicate.com.evil.example/v1/predictions        | -
        host suffix                  | https://evilapi.replicate.com/v1/predictions                 | -
        other provider not enabled   | https://api.openai.com/v1/chat/completions                   | -
        relative URI                 | /v1/predictions                                              | -
        opaque URI                   | mailto:someone@api.replicate.com                             | -
        encoded unreserved prefix    | https://api.replicate.com/%76%31/predictions                 | GW/predictions
        encoded digit of the prefix  | https://api.replicate.com/v%31/predictions                   | GW/predictions
        upper-case hex               | https://api.replicate.com/%76%31/%50redictions               | GW/Predictions
        encoded unreserved in rest   | https://api.replicate.com/v1/%70redictions/a%2Db%7e          | GW/predictions/a-b~
        other escapes in upper hex   | https://api.replicate.com/v1/files/a%2fb%c3%a9               | GW/files/a%2Fb%C3%A9
        dot segment before prefix    | https://api.replicate.com/./v1/predictions                   | GW/predictions
        climbing into the prefix     | https://api.replicate.com/x/../v1/predictions                | GW/predictions
        climbing above the root      | https://api.replicate.com/../../v1/predictions               | GW/predictions
        encoded dots climbing        | https://api.replicate.com/x/%2e%2E/v1/predictions            | GW/predictions
        climbing out and back in     | https://api.replicate.com/v1/../v1/predictions?a=1           | GW/predictions?a=1
        dots inside the rest         | https://api.replicate.com/v1/predictions/./abc/../def        | GW/predictions/def
        dot segment at the end       | https://api.replicate.com/v1/predictions/.                   | GW/predictions/
        climbing out of the prefix   | https://api.replicate.com/v1/../predictions                  | -
        climbing to the root         | https://api.replicate.com/v1/%2e%2e                          | -
        dots that are no segment     | https://api.replicate.com/v1/a..b/.well/x.                   | GW/a..b/.well/x.
        encoded prefix, other host   | https://api.replicate.com.evil.example/%76%31/predictions    | -
        """)
    void defaultBase(String name, String in, String expected) {
        try (Gateway g = gateway(null)) {
            check(g, in.replace("GW", GW), expected.replace("GW", GW));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        base without slash   | https://gateway.ai.cloudflare.com/v1     | https://gateway.ai.cloudflare.com/v1/ACCT/my-gw/replicate/predictions?a=1
        base with slash      | https://gateway.ai.cloudflare.com/v1/    | https://gateway.ai.cloudflare.com/v1/ACCT/my-gw/replicate/predictions?a=1
        base with slashes    | https://gateway.ai.cloudflare.com/v1//   | https://gateway.ai.cloudflare.com/v1/ACCT/my-gw/replicate/predictions?a=1
        local test gateway   | http://127.0.0.1:8080/v1                 | http://127.0.0.1:8080/v1/ACCT/my-gw/replicate/predictions?a=1
        """)
    void baseUrls(String name, String base, String expected) {
        try (Gateway g = gateway(base)) {
            check(g, "https://api.replicate.com/v1/predictions?a=1", expected.replace("ACCT", ACCT));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        custom domain             | https://ai.example.com          | https://ai.example.com/replicate/predictions/x
        custom domain with slash  | https://ai.example.com/         | https://ai.example.com/replicate/predictions/x
        custom domain with path   | https://example.com/ai-gw/      | https://example.com/ai-gw/replicate/predictions/x
        """)
    void customDomain(String name, String base, String expected) {
        try (Gateway g = Gateway.builder().baseUrl(base).log(Gateway.Log.OFF).build()) {
            assertThat(g.enabled()).isTrue();
            check(g, "https://api.replicate.com/v1/predictions/x", expected);
            check(g, expected, "-"); // never routed twice
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        openai                | https://api.openai.com/v1/chat/completions                  | openai/chat/completions
        anthropic             | https://api.anthropic.com/v1/messages                       | anthropic/v1/messages
        groq                  | https://api.groq.com/openai/v1/chat/completions             | groq/chat/completions
        huggingface           | https://api-inference.huggingface.co/models/bigcode/starcoder | huggingface/bigcode/starcoder
        fal                   | https://fal.run/fal-ai/flux/dev                             | fal/fal-ai/flux/dev
        replicate still       | https://api.replicate.com/v1/predictions                    | replicate/predictions
        groq prefix boundary  | https://api.groq.com/openai/v10/chat                        | -
        """)
    void providerTable(String name, String in, String expected) {
        Settings s = Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "my-gw",
                "aigw.providers", "replicate, openai,anthropic,groq,huggingface,fal", "aigw.log", "off"));
        try (Gateway g = Gateway.fromSettings(s)) {
            check(g, in, expected.equals("-") ? "-"
                    : "https://gateway.ai.cloudflare.com/v1/" + ACCT + "/my-gw/" + expected);
        }
    }

    @org.junit.jupiter.api.Test
    void customProviderFromCode() {
        try (Gateway g = Gateway.builder().accountId(ACCT).gatewayId("g").log(Gateway.Log.OFF)
                .providers(Provider.REPLICATE, Provider.of("mistral", "https://api.mistral.ai/")).build()) {
            check(g, "https://api.mistral.ai/v1/chat", "https://gateway.ai.cloudflare.com/v1/" + ACCT + "/g/mistral/v1/chat");
        }
        // a prefix written with escapes is compared in its normal form too
        try (Gateway g = Gateway.builder().accountId(ACCT).gatewayId("g").log(Gateway.Log.OFF)
                .providers(Provider.of("odd", "https://api.odd.example/%76%31/a%2fb")).build()) {
            check(g, "https://api.odd.example/v1/a%2Fb/x", "https://gateway.ai.cloudflare.com/v1/" + ACCT + "/g/odd/x");
            check(g, "https://api.odd.example/v%31/a%2fb", "https://gateway.ai.cloudflare.com/v1/" + ACCT + "/g/odd");
        }
    }

    /**
     * Spellings that servers commonly (not per RFC 3986) read as under {@code /v1} although their normal form is not,
     * or as out of it although their normal form is under it: no one reading, so refused.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        encoded slash after the prefix     | https://api.replicate.com/v1%2Fpredictions
        lower-case encoded slash           | https://api.replicate.com/v1%2fpredictions
        encoded slash before the prefix    | https://api.replicate.com/x%2F..%2Fv1/predictions
        encoded backslash                  | https://api.replicate.com/v1%5Cpredictions
        empty segment before the prefix    | https://api.replicate.com//v1/predictions
        parameter on the prefix            | https://api.replicate.com/v1;x/predictions
        encoded prefix with an empty first | https://api.replicate.com//%76%31/predictions
        user info is not shown             | https://user:secret@api.replicate.com//v1/predictions?token=t
        encoded slashes climbing out       | https://api.replicate.com/v1/x/..%2F..%2Fy
        lower-case, out of the prefix only | https://api.replicate.com/v1/..%2fy
        encoded backslashes climbing out   | https://api.replicate.com/v1/x/..%5C..%5Cy
        a parameter hiding dots            | https://api.replicate.com/v1/..;/y
        an empty segment before dots       | https://api.replicate.com/v1//..
        """)
    void spellingsWithoutOneReadingAreRefused(String name, String in) {
        try (Gateway g = gateway(null)) {
            assertThatThrownBy(() -> g.route(URI.create(in)))
                    .isInstanceOf(GatewayConfigurationException.class)
                    .hasMessageContaining("request URI = \"https://api.replicate.com/")
                    .hasMessageContaining("would send the call past the gateway")
                    .hasMessageNotContaining("secret").hasMessageNotContaining("token=");
        }
        try (Gateway off = Gateway.builder().build()) {
            assertThat(off.route(URI.create(in))).as("routing off: nothing to refuse").isNull();
        }
    }

    /**
     * The skip-cache rule reads the normal form too: before, {@code /v1/%70redictions/abc} was routed with its raw rest,
     * which the rule did not know as a prediction read, so a poll could be answered from the gateway's cache.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
        GET  | https://api.replicate.com/v1/%70redictions/abc
        GET  | https://api.replicate.com/%76%31/predictions/abc
        GET  | https://api.replicate.com/v1/x/../predictions/abc
        GET  | https://api.replicate.com/v1/files/./f1
        POST | https://api.replicate.com/v1/predictions/abc/%63ancel
        POST | https://api.replicate.com/v1/trainings/t1/%63%61ncel
        """)
    void spelledReadsAndCancelsStillSkipTheCache(String method, String in) {
        try (Gateway g = gateway(null)) {
            Exchange x = g.exchange(method, URI.create(in), null);
            assertThat(x.gatewayHeaders()).containsEntry("cf-aig-skip-cache", "true");
        }
    }

    @org.junit.jupiter.api.Test
    void disabledGatewayRoutesNothing() {
        try (Gateway g = Gateway.builder().build()) {
            assertThat(g.enabled()).isFalse();
            assertThat(g.route(URI.create("https://api.replicate.com/v1/predictions"))).isNull();
            assertThat(g.exchange("POST", URI.create("https://api.replicate.com/v1/predictions"), null)).isNull();
        }
        try (Gateway g = Gateway.builder().accountId(ACCT).gatewayId("g").enabled(false).build()) {
            assertThat(g.route(URI.create("https://api.replicate.com/v1/predictions"))).isNull();
        }
    }

    private static void check(Gateway g, String in, String expected) {
        Route r = g.route(URI.create(in));
        if (expected.equals("-")) {
            assertThat(r).as("route of %s", in).isNull();
        } else {
            assertThat(r).as("route of %s", in).isNotNull();
            assertThat(r.target().toString()).isEqualTo(expected);
            assertThat(r.target().getRawPath()).isEqualTo(URI.create(expected).getRawPath());
            assertThat(r.original().toString()).isEqualTo(in);
        }
    }
}
