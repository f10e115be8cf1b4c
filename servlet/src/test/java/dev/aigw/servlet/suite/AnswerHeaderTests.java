package dev.aigw.servlet.suite;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The head of a proxied answer, from a gateway that writes its fields byte for byte ({@link RawUpstream}): what the
 * upstream says about its own connection stays there, and the URLs in it lead into the proxy or are not passed on,
 * since the client reads them from the application's origin.
 */
public abstract class AnswerHeaderTests extends SuiteGroup {
    private static final String ACCOUNT = "{\"type\":\"organization\",\"username\":\"acme\"}";

    protected AnswerHeaderTests(UpstreamSuite suite) {
        super(suite);
    }

    private String proxy() {
        return suite.app + "/raw-proxy";
    }

    /**
     * RFC 9110 §7.6.1: a header the upstream names in its {@code Connection} field belongs to that connection alone
     * and is not forwarded, whatever the case of either and however the list is spelt (several fields, spaces, tabs,
     * empty elements).
     */
    @Test
    void headersNamedInTheUpstreamsConnectionFieldStayOnItsHop() throws Exception {
        suite.rawUpstream.answer(ACCOUNT, "HTTP/1.1 200 OK", "Content-Type: application/json",
                "Connection: keep-alive, X-Hop", "cOnNeCtIoN:  ,x-other ,\tX-THIRD,", "X-Hop: one", "X-OTHER: two",
                "x-third: three", "X-Kept: kept");
        HttpResponse<String> r = suite.get("/raw-proxy/account", USER, "hops");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(ACCOUNT);
        for (String hop : List.of("X-Hop", "X-Other", "X-Third")) {
            assertThat(r.headers().allValues(hop)).as(hop).isEmpty();
        }
        assertThat(r.headers().firstValue("X-Kept")).hasValue("kept");
    }

    /** Nor does one the client names in its {@code Connection} field go upstream, allowed as it is otherwise. */
    @Test
    void headersNamedInTheClientsConnectionFieldStayOnItsHop() throws Exception {
        suite.rawUpstream.answer(ACCOUNT, "HTTP/1.1 200 OK", "Content-Type: application/json");
        RawHttp.Raw r = RawHttp.send(suite.app, "GET", "/app/raw-proxy/account", USER + ": hops",
                "Connection: pReFeR,, \tcache-CONTROL", "Prefer: wait=5", "Cache-Control: no-cache",
                "Accept-Language: en", "Accept: application/json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(suite.rawUpstream.requests).singleElement().satisfies(head -> assertThat(head)
                .containsIgnoringCase("\r\nAccept: application/json").containsIgnoringCase("\r\nAccept-Language: en")
                .doesNotContainIgnoringCase("\r\nPrefer:").doesNotContainIgnoringCase("\r\nCache-Control:")
                .doesNotContainIgnoringCase("wait=5"));
    }

    /**
     * {@code Link} entries pass only when they lead into the proxy (Replicate's URLs, rewritten to the proxy's own):
     * one to another origin, or out of the proxy on the application's ({@code rel=stylesheet}, {@code preload},
     * {@code prefetch}), would act on the application's origin when the answer is opened as a page. Entries that name
     * further URLs in their parameters ({@code anchor}, {@code imagesrcset}) do not pass either.
     */
    @Test
    void linkEntriesPassOnlyIntoTheProxy() throws Exception {
        suite.rawUpstream.answer(ACCOUNT, "HTTP/1.1 200 OK", "Content-Type: application/json",
                "Link: <https://api.replicate.com/v1/predictions?cursor=a,b>; rel=\"next\", "
                        + "<https://evil.example/x.css>; rel=stylesheet",
                "Link: <//evil.example/font.woff2>; rel=preload; as=font, </elsewhere>; rel=prefetch, bare; rel=x",
                "link: <https://api.replicate.com/v1/../../admin>; rel=prefetch, <https://api.replicate.com/v1/a>; "
                        + "rel=preload; as=image; imagesrcset=\"https://evil.example/a.png 1x\"",
                "LINK: <https://api.replicate.com/v1/models/acme/echo>; rel=\"describedby\"; title=\"a, <b>\"",
                "Link: <https://api.replicate.com/v1/x>; rel=alternate; anchor=\"https://evil.example/\"",
                "Link: <https://api.replicate.com.evil.example/v1/x>; rel=preconnect");
        HttpResponse<String> r = suite.get("/raw-proxy/account", USER, "links");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(String.join(", ", r.headers().allValues("Link"))).isEqualTo("<" + proxy()
                + "/predictions?cursor=a,b>; rel=\"next\", <" + proxy()
                + "/models/acme/echo>; rel=\"describedby\"; title=\"a, <b>\"");
    }

    /**
     * {@code Location} and {@code Content-Location} on answers that are not redirects: Replicate's URLs are rewritten
     * to the proxy's own; one that leads elsewhere is not passed on (the answer is).
     */
    @Test
    void locationsOnOtherAnswersPassOnlyIntoTheProxy() throws Exception {
        suite.rawUpstream.answer(ACCOUNT, "HTTP/1.1 201 Created", "Content-Type: application/json",
                "Location: https://api.replicate.com/v1/predictions/p1",
                "Content-Location: https://evil.example/predictions/p1");
        HttpResponse<String> created = suite.get("/raw-proxy/account", USER, "locations");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().allValues("Location")).containsExactly(proxy() + "/predictions/p1");
        assertThat(created.headers().allValues("Content-Location")).isEmpty();
        suite.rawUpstream.answer(ACCOUNT, "HTTP/1.1 200 OK", "Content-Type: application/json",
                "Location: /sign-in", "Content-Location: https://api.replicate.com/v1/account");
        HttpResponse<String> ok = suite.get("/raw-proxy/account", USER, "locations");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().allValues("Location")).isEmpty();
        assertThat(ok.headers().allValues("Content-Location")).containsExactly(proxy() + "/account");
    }

    /**
     * An answer is the client's data, never a page of the application: one whose declared type a browser runs (HTML,
     * SVG; a file a user uploaded to Replicate with a type of their choosing, or a misbehaving upstream) must not run
     * script on the application's origin when another signed-in user is sent to its URL. Every answer is sandboxed
     * (an opaque origin, no script), whatever policy of its own it carries, which stays in force beside it.
     */
    @Test
    void anAnswerABrowserWouldRunAsAPageIsSandboxed() throws Exception {
        for (String type : new String[]{"text/html; charset=utf-8", "image/svg+xml", "application/json"}) {
            suite.rawUpstream.answer("<script>fetch('/app/api/me').then(r => r.text()).then(alert)</script>",
                    "HTTP/1.1 200 OK", "Content-Type: " + type, "Content-Security-Policy: img-src *");
            HttpResponse<String> r = suite.get("/raw-proxy/files/f1/download?owner=acme&expiry=1&signature=s",
                    USER, "victim");
            assertThat(r.statusCode()).as(type).isEqualTo(200);
            assertThat(r.headers().allValues("Content-Security-Policy")).as(type).contains("sandbox", "img-src *");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(type).hasValue("nosniff");
        }
    }

    /**
     * A redirect to Replicate's URL leads into the proxy only while its path does not climb out again: a browser
     * resolves dot segments in any spelling it reads as one ({@code %2e}, a tab inside, a backslash for a slash).
     */
    @Test
    void aRedirectIntoTheProxyMayNotClimbOutOfIt() throws Exception {
        String[] climbing = {"/../../elsewhere", "/%2e%2E/%2e./elsewhere", "/.%2e/x", "/..\\elsewhere",
                "/.\t./elsewhere", "/a/..", "/./../x"};
        for (String path : climbing) {
            suite.rawUpstream.answer("", "HTTP/1.1 302 Found", "Location: https://api.replicate.com/v1" + path);
            HttpResponse<String> r = suite.get("/raw-proxy/account", USER, "climber");
            assertThat(r.statusCode()).as(path).isEqualTo(502);
            assertThat(r.headers().firstValue("Location")).as(path).isEmpty();
            assertThat(r.body()).as(path).contains("\"code\":\"upstream_redirect_refused\"");
        }
        suite.rawUpstream.answer("", "HTTP/1.1 302 Found", "Location: https://api.replicate.com/v1/a..b/.well/x?y=/../z");
        HttpResponse<String> r = suite.get("/raw-proxy/account", USER, "climber");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue(proxy() + "/a..b/.well/x?y=/../z");
    }
}
