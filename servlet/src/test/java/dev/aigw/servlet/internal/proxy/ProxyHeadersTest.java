package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void onlyValuesHttpCanCarryAreSent() throws Exception {
        for (String ok : new String[]{"", "wait=5", "a\tb c", "caf\u00c3\u00a9", "\u00ff~!"}) {
            assertThat(ProxyHeaders.sendable("Prefer", ok)).isEqualTo(ok);
        }
        assertThat(ProxyHeaders.sendable("Prefer", null)).isNull();
        for (String no : new String[]{"Bearer r8_x\u007f", "r8_x\u0000", "r8_x\r\n", "r8_x\u0100", "r8_x\ud83d\ude00"}) {
            assertThatThrownBy(() -> ProxyHeaders.sendable("Authorization", no)).isInstanceOfSatisfying(
                    Refusal.Refused.class, r -> {
                        assertThat(r.refusal().status()).isEqualTo(400);
                        assertThat(r.refusal().detail()).contains("Authorization").doesNotContain("r8_x");
                    });
        }
    }

    @Test
    void responseHeadersAreAnAllowlist() {
        for (String ok : new String[]{"Content-Type", "cf-aig-log-id", "ratelimit-remaining", "Location", "Cache-Control",
                "Preference-Applied", "Retry-After"}) {
            assertThat(ProxyHeaders.copyResponse(ok, Set.of())).as(ok).isTrue();
        }
        for (String no : new String[]{"Content-Length", "Transfer-Encoding", "Connection", "Set-Cookie",
                "Strict-Transport-Security", "Alt-Svc", "Access-Control-Allow-Origin", "Keep-Alive", "Date", "Server",
                "Clear-Site-Data", "NEL", "report-to", "WWW-Authenticate", "Refresh", "Attribution-Reporting-Register-Source"}) {
            assertThat(ProxyHeaders.copyResponse(no, Set.of())).as(no).isFalse();
        }
        assertThat(ProxyHeaders.copyResponse("X-Hop", Set.of("x-hop"))).isFalse();
    }

    /** Directives for shared caches go; the client's own cache keeps the rest. */
    @Test
    void cacheControlIsForTheClientsOwnCacheOnly() {
        String[][] cases = {{null, "private"}, {"", "private"}, {"public, max-age=600", "private, max-age=600"},
                {"max-age=60, s-maxage=3600, proxy-revalidate", "private, max-age=60"}, {"PUBLIC", "private"},
                {"no-store", "private, no-store"}, {"private, no-cache", "private, no-cache"},
                {"no-cache=\"Set-Cookie, Link\", public", "private"}, {"no-store, private=\"x\"", "no-store"}};
        for (String[] c : cases) {
            assertThat(ProxyHeaders.privateOnly(c[0])).as(c[0]).isEqualTo(c[1]);
        }
    }

    /**
     * One set for the response's three (hop-by-hop, never, origin-wide): it holds a name exactly when one of them
     * does, for every spelling, as {@link ProxyHeaders#copyResponse} relies on; and with a non-ASCII member.
     */
    @Test
    void aUnionOfNameSetsHoldsANameExactlyWhenOneOfThemDoes() {
        ProxyHeaders.Names hop = new ProxyHeaders.Names("connection", "te", "upgrade");
        ProxyHeaders.Names never = new ProxyHeaders.Names("content-length", "date", "TE");
        ProxyHeaders.Names wide = new ProxyHeaders.Names("set-cookie", "nel", "refresh");
        ProxyHeaders.Names odd = new ProxyHeaders.Names("x-\u017Fecret", "\u212Aeep");
        java.util.Random random = new java.util.Random(2026);
        String alphabet = "acdeiklnoprstuxACEIKNOST-_\u017F\u212A\u0131";
        List<String> probes = new java.util.ArrayList<>(List.of("", "Connection", "TE", "Te", "DATE", "Set-Cookie",
                "NEL", "Refresh", "Content-Length", "X-SECRET", "KEEP", "x-secret", "keep", "Upgrade", "cookie"));
        for (int k = 0; k < 20_000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int n = random.nextInt(7); n > 0; n--) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            probes.add(sb.toString());
        }
        ProxyHeaders.Names ascii = ProxyHeaders.Names.union(hop, never, wide);
        ProxyHeaders.Names mixed = ProxyHeaders.Names.union(hop, odd, wide);
        for (String p : probes) {
            assertThat(ascii.contains(p)).as(p).isEqualTo(hop.contains(p) || never.contains(p) || wide.contains(p));
            assertThat(mixed.contains(p)).as(p).isEqualTo(hop.contains(p) || odd.contains(p) || wide.contains(p));
        }
    }

    /** The hashed name sets answer as the case-insensitive sorted sets they replace, for every spelling. */
    @Test
    void nameSetsMatchAsCaseInsensitiveOrderDoes() {
        List<String> members = List.of("connection", "te", "set-cookie", "x-amz-date", "Last-Event-ID");
        List<String> withNonAscii = List.of("te", "x-\u017Fecret", "\u212Aeep"); // long s folds to S, Kelvin sign to k
        java.util.Random random = new java.util.Random(14);
        String alphabet = "acdeiknostxzACEIKNOST-_\u017F\u212A\u0131\u00e9";
        for (List<String> set : List.of(members, withNonAscii, List.<String>of())) {
            ProxyHeaders.Names names = new ProxyHeaders.Names(set.toArray(new String[0]));
            java.util.TreeSet<String> reference = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            reference.addAll(set);
            List<String> probes = new java.util.ArrayList<>(List.of("", "CONNECTION", "Te", "TE", "t", "tee",
                    "Set-Cookie", "SET-COOKIE", "\u017Fet-cookie", "X-AMZ-DATE", "last-event-id", "x-secret",
                    "X-SECRET", "keep", "KEEP", "\u212Aeep"));
            for (String m : set) { // each member with its letters in random case
                for (int k = 0; k < 50; k++) {
                    StringBuilder sb = new StringBuilder();
                    for (char c : m.toCharArray()) {
                        sb.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
                    }
                    probes.add(sb.toString());
                }
            }
            for (int k = 0; k < 20_000; k++) { // short random names over letters that fold across ASCII
                StringBuilder sb = new StringBuilder();
                for (int n = random.nextInt(5); n > 0; n--) {
                    sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                probes.add(sb.toString());
            }
            for (String p : probes) {
                assertThat(names.contains(p)).as("%s in %s", p, set).isEqualTo(reference.contains(p));
            }
        }
    }
}
