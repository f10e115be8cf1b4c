package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which headers the proxy forwards to the gateway and copies back to the client. */
class ProxyHeadersTest {
    @Test
    void requestHeadersAreAnAllowlist() {
        ProxyHeaders h = new ProxyHeaders(List.of("X-Trace"));
        for (String ok : new String[]{"Content-Type", "accept", "Prefer", "Cancel-After", "Last-Event-ID", "User-Agent",
                "x-trace"}) {
            assertThat(h.forwardRequest(ok, Set.of())).as(ok).isTrue();
        }
        for (String no : new String[]{"Cookie", "Authorization", "Host", "Content-Length", "Connection", "Keep-Alive",
                "Transfer-Encoding", "TE", "Upgrade", "Proxy-Authorization", "Forwarded", "X-Forwarded-For",
                "cf-aig-authorization", "CF-AIG-Cache-Key", "cf-aig-collect-log", "X-CSRF-Token", "Expect", "Origin"}) {
            assertThat(h.forwardRequest(no, Set.of())).as(no).isFalse();
        }
        assertThat(h.forwardRequest("X-Trace", ProxyHeaders.connectionTokens(List.of("close, x-trace")))).isFalse();
        assertThat(ProxyHeaders.neverForwarded("X-Forwarded-Host")).isTrue();
        assertThat(new ProxyHeaders(List.of("Cookie")).forwardRequest("Cookie", Set.of())).isFalse();
    }

    @Test
    void responseHeadersAreAnAllowlist() {
        for (String ok : new String[]{"Content-Type", "cf-aig-log-id", "ratelimit-remaining", "Location", "Cache-Control",
                "Preference-Applied", "Retry-After"}) {
            assertThat(ProxyHeaders.copyResponse(ok, Set.of())).as(ok).isTrue();
        }
        for (String no : new String[]{"Content-Length", "Transfer-Encoding", "Connection", "Set-Cookie",
                "Strict-Transport-Security", "Alt-Svc", "Access-Control-Allow-Origin", "Keep-Alive", "Date", "Server"}) {
            assertThat(ProxyHeaders.copyResponse(no, Set.of())).as(no).isFalse();
        }
        assertThat(ProxyHeaders.copyResponse("X-Hop", Set.of("x-hop"))).isFalse();
    }
}
