package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON media type check, which decides URL rewriting and the cross-site stance, read as HTTP reads it. */
class AdmissionMediaTypeTest {
    @Test
    void jsonInEverySpellingHttpReadsTheSame() {
        for (String t : new String[]{"application/json", "APPLICATION/JSON", "Application/Json; charset=utf-8",
                " application/json ", "application/json;", "application/json\t; charset=UTF-8",
                "application/vnd.api+json", "application/PROBLEM+JSON;x=y", "application/+json"}) {
            assertThat(Admission.json(t)).as(t).isTrue();
        }
    }

    @Test
    void nothingElseIsJson() {
        for (String t : new String[]{"", "application/jsonx", "application/json5", "text/json", "json",
                "application/x-json-stream", "xapplication/json", "application/ json", "application/js on",
                "applıcation/json", "application/jſon", "application/+JSON-x", "+json", "application+json",
                "multipart/form-data; boundary=application/json"}) {
            assertThat(Admission.json(t)).as(t).isFalse();
        }
        assertThat(Admission.json(null)).isFalse();
        assertThat(Admission.plainJson("application/json", List.of("gzip").iterator())).isFalse();
        assertThat(Admission.plainJson("application/json", List.of("identity").iterator())).isTrue();
        assertThat(Admission.plainJson("application/json", null)).isTrue();
    }

    @Test
    void aCharsetIsUtf8OnlyWhenHttpReadsOneUtf8Charset() {
        for (String t : new String[]{"application/json", "application/json;", "application/json; charset=utf-8",
                "application/json;CHARSET=\"UTF-8\"", "application/json ;\tcharset=utf-8 ; x=y;;",
                "application/json; x=\"charset=utf-7\"", "application/json; x=\"a\\\";charset=utf-7\"",
                "application/json; charset=\"utf\\-8\""}) {
            assertThat(Admission.utf8(t)).as(t).isTrue();
        }
        for (String t : new String[]{"application/json; charset=utf-7", "application/json; charset=utf-7; "
                + "x=\"charset=utf-8\"", "application/json; charset=utf-16; xcharset=utf-8",
                "application/json; charset=utf-8; charset=utf-8", "application/json; charset=utf-8x",
                "application/json; charset=\"utf-8", "application/json; charset = utf-8", "application/json; charset=",
                "application/json; =utf-8", "application/json; charset=utf-8 x", "application/json; charset=utf8",
                "application/json; chars\u0131t=utf-7", "application/json; x=\"a\\\"; charset=utf-7",
                "application/json; x=\"a\\"}) {
            assertThat(Admission.utf8(t)).as(t).isFalse();
        }
    }
}
