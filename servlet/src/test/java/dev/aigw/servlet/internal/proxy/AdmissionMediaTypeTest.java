package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

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
        assertThat(Admission.plainJson("application/json", "gzip")).isFalse();
        assertThat(Admission.plainJson("application/json", "identity")).isTrue();
    }
}
