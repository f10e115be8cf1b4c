package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which peers are trusted proxies, and what a request's client and public origin are behind them. */
class TrustedProxiesTest {
    @Test
    void trustsTheListedAddressesAndRangesOnly() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8 ::1 fd00::/8");
        assertThat(t.trusts("127.0.0.1")).isTrue();
        assertThat(t.trusts("10.200.3.4")).isTrue();
        assertThat(t.trusts("11.0.0.1")).isFalse();
        assertThat(t.trusts("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(t.trusts("fd12::5")).isTrue();
        assertThat(t.trusts("example.com")).isFalse();
    }

    @Test
    void theClientIsTheForwardedAddressOnlyBehindATrustedProxy() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8 ::1 fd00::/8");
        assertThat(t.clientKey("127.0.0.1", List.of(), List.of("203.0.113.9, 10.1.1.1"))).isEqualTo("203.0.113.9");
        assertThat(t.clientKey("198.51.100.1", List.of(), List.of("203.0.113.9"))).isEqualTo("198.51.100.1");
    }

    /** A proxy listed in its IPv4-mapped form is the IPv4 peer a container reports (before, it was never trusted). */
    @Test
    void mappedFormsOfTrustedProxiesAreTheirIpv4Addresses() {
        TrustedProxies t = TrustedProxies.parse("::ffff:127.0.0.1, [::FFFF:10.0.0.0]/104");
        assertThat(t.trusts("127.0.0.1")).isTrue();
        assertThat(t.trusts("::ffff:127.0.0.1")).isTrue();
        assertThat(t.trusts("10.200.3.4")).isTrue();
        assertThat(t.trusts("11.0.0.1")).isFalse();
        assertThat(t.clientKey("127.0.0.1", List.of(), List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
    }

    @Test
    void entriesThatAreNotAddressesNorRangesAreRefusedByName() {
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
        for (String spelling : List.of("2001:DB8:1:2::77", "2001:0db8:0001:0002:0000:0000:0000:0077",
                "[2001:db8:1:2::77%25eth0]:443", "2001:db8:1:2::77%eth0", "\"[2001:Db8:1:2:0:0:0:77]\"")) {
            assertThat(t.clientKey("127.0.0.1", List.of(), List.of(spelling))).as(spelling).isEqualTo(v6);
            assertThat(t.clientKey("127.0.0.1", List.of("for=" + spelling), List.of())).as(spelling).isEqualTo(v6);
        }
        // the proxy's hop on a line of its own is still the rightmost
        assertThat(t.clientKey("127.0.0.1", List.of(), List.of("1.1.1.1", "203.0.113.9"))).isEqualTo("203.0.113.9");
        // the rightmost hop that is not a trusted proxy, whatever the client wrote further left
        assertThat(t.clientKey("127.0.0.1", List.of("for=1.1.1.1, for=198.51.100.7, for=127.0.0.1"), List.of()))
                .isEqualTo("198.51.100.7");
        // an untrusted peer's headers mean nothing
        assertThat(t.clientKey("198.51.100.1", List.of("for=1.1.1.1"), List.of("2.2.2.2"))).isEqualTo("198.51.100.1");
        assertThat(t.clientKey("127.0.0.1", List.of("for=unknown"), List.of())).isEqualTo("node:unknown");
    }

    /**
     * A proxy in front writes one of {@code Forwarded} and {@code X-Forwarded-For}; a client that sends the other
     * cannot choose its key with it (before, any {@code Forwarded} was believed: one client, as many keys as it liked).
     */
    @Test
    void aClientCannotChooseItsKeyWithTheHeaderItsProxyDoesNotWrite() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1, ::1");
        java.util.Set<String> byForgedForwarded = new java.util.HashSet<>();
        java.util.Set<String> byForgedForwardedFor = new java.util.HashSet<>();
        java.util.Set<String> besideAForwardedWithoutFor = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            byForgedForwarded.add(t.clientKey("127.0.0.1", List.of("for=198.51.100." + i), List.of("203.0.113.9")));
            byForgedForwardedFor.add(t.clientKey("::1", List.of("for=203.0.113.9"), List.of("198.51.100." + i)));
            besideAForwardedWithoutFor.add(t.clientKey("127.0.0.1", List.of("proto=https;host=a.example"),
                    List.of("2001:db8:" + i + "::1")));
        }
        assertThat(byForgedForwarded).singleElement().isEqualTo("127.0.0.1");
        assertThat(byForgedForwardedFor).singleElement().isEqualTo("0:0:0:0::/64");
        assertThat(besideAForwardedWithoutFor).singleElement().isEqualTo("127.0.0.1");
        // a proxy that writes both (or a client that wrote its own address): the two agree, in any spelling
        assertThat(t.clientKey("127.0.0.1", List.of("FOR=\"203.0.113.9:4711\"", "for=127.0.0.1"),
                List.of("1.1.1.1, [::ffff:203.0.113.9]:80"))).isEqualTo("203.0.113.9");
        // one header alone is read as before
        assertThat(t.clientKey("127.0.0.1", List.of(" ", ""), List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
    }

    /**
     * Believing only the header the front proxy writes: the other one, sent by a client or added on its own side (a
     * corporate proxy's {@code Forwarded}), changes neither the key nor the origin, and the client keeps its own key
     * instead of sharing the front proxy's.
     */
    @Test
    void believingOneHeaderIgnoresTheOther() {
        TrustedProxies any = TrustedProxies.parse("127.0.0.1");
        TrustedProxies xf = any.believing(TrustedHeaders.X_FORWARDED);
        TrustedProxies fw = any.believing(TrustedHeaders.FORWARDED);
        List<String> corporate = List.of("for=192.0.2.44");
        List<String> front = List.of("203.0.113.9");
        assertThat(any.clientKey("127.0.0.1", corporate, front)).isEqualTo("127.0.0.1");
        assertThat(xf.clientKey("127.0.0.1", corporate, front)).isEqualTo("203.0.113.9");
        assertThat(xf.clientKey("127.0.0.1", corporate, null)).as("Forwarded alone is not believed")
                .isEqualTo("127.0.0.1");
        assertThat(fw.clientKey("127.0.0.1", List.of("for=203.0.113.9"), List.of("198.51.100.1")))
                .isEqualTo("203.0.113.9");
        assertThat(fw.clientKey("127.0.0.1", null, front)).as("X-Forwarded-For alone is not believed")
                .isEqualTo("127.0.0.1");
        // an untrusted peer: no header is read, whichever is believed
        assertThat(xf.clientKey("192.0.2.1", corporate, front)).isEqualTo("192.0.2.1");

        String forwarded = "for=1.2.3.4;proto=https;host=forged.example";
        assertThat(xf.origin("127.0.0.1", "http", "h:8080", "", forwarded, "https", "app.example", null, "/edge")
                .base()).isEqualTo("https://app.example/edge");
        assertThat(fw.origin("127.0.0.1", "http", "h:8080", "", null, "https", "forged.example", "8443", "/x")
                .base()).isEqualTo("http://h:8080");
        assertThat(fw.origin("127.0.0.1", "http", "h:8080", "", "proto=https;host=app.example", "http",
                "forged.example", null, null).base()).isEqualTo("https://app.example");
        assertThat(TrustedHeaders.parse(" X-Forwarded ")).isEqualTo(TrustedHeaders.X_FORWARDED);
        assertThatThrownBy(() -> TrustedHeaders.parse("x-forwarded-for"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Believing both headers ({@code any}), a client behind a proxy that writes one of them cannot choose the public
     * origin of its own answers with the other: a field (scheme, host) that the two name differently is taken from
     * the container's view, as the client key is the trusted peer when their addresses differ. Spellings of one
     * origin (case, quotes, a default port, {@code X-Forwarded-Port}) are alike; a field only one names is taken.
     */
    @Test
    void originFieldsTheTwoHeadersNameDifferentlyAreTheContainers() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1");
        // behind an X-Forwarded proxy, the client's own Forwarded
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "host=evil.example;proto=http", "https",
                "app.example", null, null).base()).isEqualTo("http://h:8080");
        // behind a Forwarded proxy, the client's own X-Forwarded-Host and -Proto
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "for=203.0.113.9;host=app.example;proto=https",
                "http", "evil.example", null, null).base()).isEqualTo("http://h:8080");
        // per field: the scheme both name alike is taken, the host they do not is the container's
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "host=evil.example;proto=https", "https",
                "app.example", null, null).base()).isEqualTo("https://h:8080");
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "host=app.example;proto=https", "http",
                "app.example", null, null).base()).isEqualTo("http://app.example");
        // a port is part of the host: X-Forwarded-Port against Forwarded's host
        assertThat(t.origin("127.0.0.1", "https", "h:8443", "", "host=app.example:8443;proto=https", "https",
                "app.example", "9443", null).base()).isEqualTo("https://h:8443");
        // a value of the wrong form still names the field: neither is believed, as before the rule
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "host=\"bad host\";proto=gopher", "https",
                "app.example", null, null).base()).isEqualTo("http://h:8080");
        // one origin in two spellings is no disagreement
        String[][] alike = {
                {"host=\"APP.example:443\";proto=HTTPS", "https", "app.example", null},
                {"proto=https;host=app.example", "HTTPS", "App.Example", "443"},
                {"proto=\"https\";host=\"app.example\"", "https", "app.example:443", null},
                {"for=1.2.3.4, proto=https;host=app.example", "http, https", "evil.example, app.example", null}};
        for (String[] a : alike) {
            assertThat(t.origin("127.0.0.1", "http", "h:8080", "/ctx", a[0], a[1], a[2], a[3], "/edge").base())
                    .as(String.join(" | ", java.util.Arrays.asList(a))).isEqualToIgnoringCase("https://app.example/edge/ctx");
        }
        // one header alone is read as before
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "proto=https;host=app.example", null, null, "8443",
                null).base()).isEqualTo("https://app.example");
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "for=203.0.113.9", "https", "app.example", "8443",
                null).base()).isEqualTo("https://app.example:8443");
        // believing one header, the other is not compared: it is not read at all
        assertThat(t.believing(TrustedHeaders.X_FORWARDED).origin("127.0.0.1", "http", "h:8080", "",
                "host=evil.example;proto=http", "https", "app.example", null, null).base())
                .isEqualTo("https://app.example");
        assertThat(t.vary()).contains("Forwarded", "X-Forwarded-Host", "X-Forwarded-Proto");
    }

    /**
     * RFC 7239 quoted strings may hold ',' and ';', which the reader does not honour on purpose (ARCHITECTURE.md
     * RATIONALE): the nearest proxy's element is whatever follows the last comma, so nothing a client writes before it
     * (an unterminated quote, a quoted comma) can swallow or move it; a quote-aware reader would let a client's open
     * quote run into the proxy's element. A separator inside the nearest element's own quoted value leaves pieces of
     * the wrong form, which are ignored.
     */
    @Test
    void aClientsQuotesCannotMoveTheNearestProxysElement() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1");
        String proxys = "for=203.0.113.9;proto=https;host=app.example";
        for (String client : List.of("for=\"198.51.100.7", "for=\"198.51.100.7, 198.51.100.8\"",
                "host=\"evil.example;proto=http", "for=\"x\\\"", "for=198.51.100.7;host=\"evil.example,")) {
            String joined = client + ", " + proxys; // as Admission joins the fields, or as a proxy appends
            assertThat(t.clientKey("127.0.0.1", List.of(client, proxys), List.of())).as(client).isEqualTo("203.0.113.9");
            assertThat(t.clientKey("127.0.0.1", List.of(joined), List.of())).as(joined).isEqualTo("203.0.113.9");
            assertThat(t.origin("127.0.0.1", "http", "h:8080", "", joined, null, null, null, null).base())
                    .as(joined).isEqualTo("https://app.example");
        }
        // the nearest proxy quoting a client's Host that holds ';' or ',': the pieces are no host, the container's stays
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "for=203.0.113.9;host=\"evil.example;proto=https\"",
                null, null, null, null).base()).isEqualTo("http://h:8080");
        assertThat(t.origin("127.0.0.1", "http", "h:8080", "", "for=203.0.113.9;host=\"app.example,evil.example\"",
                null, null, null, null).base()).isEqualTo("http://h:8080");
    }

    @Test
    void originFromTrustedHopsOnly() {
        TrustedProxies t = TrustedProxies.parse("127.0.0.1");
        PublicOrigin o = t.origin("127.0.0.1", "http", "127.0.0.1:8080", "/app", null, "https",
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
}
