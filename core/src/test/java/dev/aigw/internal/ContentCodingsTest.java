package dev.aigw.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Content-Encoding read as RFC 9110 §8.4 reads it, for the exchange record and the servlet proxy alike. */
class ContentCodingsTest {
    @Test
    void aBodyIsUnencodedOnlyWhenEveryCodingListedIsIdentity() {
        for (String e : new String[]{"", " ", "identity", "IDENTITY", "identity, identity", " identity ,", ","}) {
            assertThat(ContentCodings.identity(e)).as(e).isTrue();
        }
        assertThat(ContentCodings.identity((String) null)).isTrue();
        for (String e : new String[]{"gzip", "identity, gzip", "identity,br", ",deflate", "identityx", "x-gzip"}) {
            assertThat(ContentCodings.identity(e)).as(e).isFalse();
        }
        // every field counts, on either side: a second field cannot hide behind a first identity
        assertThat(ContentCodings.identity(List.of("identity", "Identity", "").iterator())).isTrue();
        assertThat(ContentCodings.identity(List.of("identity", "gzip").iterator())).isFalse();
        assertThat(ContentCodings.identity(List.of("", "br").iterator())).isFalse();
    }
}
