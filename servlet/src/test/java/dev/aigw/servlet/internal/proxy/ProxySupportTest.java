package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.CreatorIndex;
import dev.aigw.servlet.internal.ProblemJson;
import dev.aigw.servlet.internal.TraceParent;

import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Headers, problems, traceparent, trusted proxies and the creator index. */
class ProxySupportTest {
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
    void responseHeaders() {
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

    @Test
    void problemJson() {
        String b = ProblemJson.body(429, "Too Many Requests", "slow down \"now\"\n", "rate_limited",
                Map.of("retry_after", 5));
        assertThat(b).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"slow down \\\"now\\\"\\n\",\"code\":\"rate_limited\",\"retry_after\":5}");
    }

    @Test
    void traceParent() {
        assertThat(TraceParent.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceParent.traceId("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"))
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        for (String bad : new String[]{null, "", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", "00-xyz"}) {
            assertThat(TraceParent.traceId(bad)).as(String.valueOf(bad)).isNull();
        }
    }

    @Test
    void trustedProxies() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8 ::1 fd00::/8");
        assertThat(t.trusts("127.0.0.1")).isTrue();
        assertThat(t.trusts("10.200.3.4")).isTrue();
        assertThat(t.trusts("11.0.0.1")).isFalse();
        assertThat(t.trusts("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(t.trusts("fd12::5")).isTrue();
        assertThat(t.trusts("example.com")).isFalse();
        assertThat(t.clientKey("127.0.0.1", List.of(), List.of("203.0.113.9, 10.1.1.1"))).isEqualTo("203.0.113.9");
        assertThat(t.clientKey("198.51.100.1", List.of(), List.of("203.0.113.9"))).isEqualTo("198.51.100.1");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> TrustedProxies.parse("proxy.local")).hasMessageContaining("proxy.local");
    }

    /** One client, one key, however a trusted proxy spells its address; IPv6 per /64. */
    @Test
    void clientKeysAreCanonical() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1, ::1");
        for (String spelling : List.of("203.0.113.9", "203.0.113.9:4711", "\"203.0.113.9:4711\"", "[::ffff:203.0.113.9]",
                "::ffff:203.0.113.9", "[::ffff:cb00:7109]:80", "203.000.113.009")) {
            assertThat(t.clientKey("127.0.0.1", List.of(), List.of(spelling))).as(spelling).isEqualTo("203.0.113.9");
            assertThat(t.clientKey("127.0.0.1", List.of("for=" + spelling + ";proto=https"), List.of()))
                    .as("Forwarded " + spelling).isEqualTo("203.0.113.9");
        }
        String v6 = t.clientKey("127.0.0.1", List.of("for=\"[2001:db8:1:2::77]:99\""), List.of());
        assertThat(v6).isEqualTo("2001:db8:1:2::/64");
        assertThat(t.clientKey("::1", List.of(), List.of("2001:db8:1:2:ffff:1:2:3"))).isEqualTo(v6);
        assertThat(t.clientKey("2001:0db8:0001:0002:0:0:0:9", List.of(), List.of())).isEqualTo(v6);
        // the rightmost hop that is not a trusted proxy, whatever the client wrote further left
        assertThat(t.clientKey("127.0.0.1", List.of("for=1.1.1.1, for=198.51.100.7, for=127.0.0.1"), List.of()))
                .isEqualTo("198.51.100.7");
        // an untrusted peer's headers mean nothing
        assertThat(t.clientKey("198.51.100.1", List.of("for=1.1.1.1"), List.of("2.2.2.2"))).isEqualTo("198.51.100.1");
        assertThat(t.clientKey("127.0.0.1", List.of("for=unknown"), List.of())).isEqualTo("node:unknown");
    }

    @Test
    void originFromTrustedHopsOnly() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1");
        TrustedProxies.Origin o = t.origin("127.0.0.1", "http", "127.0.0.1:8080", "/app", null, "https",
                "api.example.com", null, "/edge");
        assertThat(o.base()).isEqualTo("https://api.example.com/edge/app");
        o = t.origin("127.0.0.1", "http", "127.0.0.1:8080", "/app", "for=1.2.3.4;proto=https;host=\"a.example:8443\"",
                null, null, null, null);
        assertThat(o.base()).isEqualTo("https://a.example:8443/app");
        o = t.origin("192.0.2.1", "http", "127.0.0.1:8080", "", null, "https", "evil.example", null, null);
        assertThat(o.base()).isEqualTo("http://127.0.0.1:8080");
        o = t.origin("127.0.0.1", "http", "h:80", "", null, "javascript", "bad\"host", null, null);
        assertThat(o.base()).isEqualTo("http://h");
        assertThat(TrustedProxies.none().origin("1.1.1.1", "http", "x\"y", "", null, null, null, null, null)).isNull();
    }

    @Test
    void creatorIndexRemembersSuccessfulCreates() {
        CreatorIndex idx = new CreatorIndex(2);
        idx.onExchange(record("POST", "https://api.replicate.com/v1/predictions", 201, "p1", Map.of("user", "u1")));
        idx.onExchange(record("GET", "https://api.replicate.com/v1/predictions/p2", 200, "p2", Map.of("user", "u2")));
        idx.onExchange(record("POST", "https://api.replicate.com/v1/predictions", 422, "p3", Map.of("user", "u3")));
        assertThat(idx.creatorMetadata("p1")).containsEntry("user", "u1");
        assertThat(idx.creatorMetadata("p2")).isNull();
        assertThat(idx.creatorMetadata("p3")).isNull();
        idx.remember("a", Map.of());
        idx.remember("b", Map.of());
        assertThat(idx.creatorMetadata("p1")).isNull();
        assertThat(idx.size()).isEqualTo(2);
    }

    private static ExchangeRecord record(String method, String url, int status, String id, Map<String, Object> md) {
        return new ExchangeRecord(Instant.now(), method, url, null, "replicate", ExchangeRecord.Via.GATEWAY, null, id,
                "starting", status, null, null, null, null, md, List.of(), 0, 0, Duration.ZERO, Duration.ZERO, Map.of(),
                ExchangeRecord.Outcome.SUCCESS, null, null);
    }
}
