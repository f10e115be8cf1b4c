package dev.aigw.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {
    private final Redactor redactor = new Redactor(List.of("cf-literal-secret-1", "xy", ""));

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        Authorization: Bearer r8_AbC123xyz                      | Authorization: Bearer ****
        authorization: token r8_AbC123xyz                       | authorization: token ****
        cf-aig-authorization: Bearer cf-literal-secret-1        | cf-aig-authorization: Bearer ****
        Basic dXNlcjpwYXNz                                      | Basic ****
        leaked r8_AbC123xyz in text                             | leaked r8_**** in text
        secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw here       | secret whsec_**** here
        configured cf-literal-secret-1 anywhere                 | configured **** anywhere
        short xy values are not literals                        | short xy values are not literals
        nothing to hide                                         | nothing to hide
        Authorization: Bearer%20r8_AbC123xyz                    | Authorization: Bearer%20****
        header=Bearer+abc%2Bdef%3D                               | header=Bearer+****
        secret=whsec_MfKQ9r8GKYqr%2BTwjUPD8IL%2FPZIo2LaLaSw%3D%3D&x=1 | secret=whsec_****&x=1
        """)
    void text(String in, String out) {
        assertThat(redactor.text(in)).isEqualTo(out);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        https://api.replicate.com/v1/predictions                         | https://api.replicate.com/v1/predictions
        https://u:p@api.replicate.com/v1/x                               | https://api.replicate.com/v1/x
        https://api.replicate.com/v1/files/f/download?owner=o&expiry=1&signature=abc | https://api.replicate.com/v1/files/f/download?owner=o&expiry=1&signature=****
        https://h/x?token=t1&key=k1&api_key=a&Token=T&access%5Ftoken=z&ok=1#frag | https://h/x?token=****&key=****&api_key=****&Token=****&access%5Ftoken=****&ok=1#frag
        https://h/x?cursor=abc                                           | https://h/x?cursor=abc
        https://h/cb?client_secret=c&refresh_token=r&id_token=i&session_token=s | https://h/cb?client_secret=****&refresh_token=****&id_token=****&session_token=****
        https://storage.googleapis.com/b/o?X-Goog-Credential=c&X-Goog-Signature=abc | https://storage.googleapis.com/b/o?X-Goog-Credential=****&X-Goog-Signature=****
        https://h/r8_AbCdEf/x                                            | https://h/r8_****/x
        """)
    void urls(String in, String out) {
        assertThat(redactor.url(URI.create(in))).isEqualTo(out);
    }

    @Test
    void nullAndEmpty() {
        assertThat(redactor.text(null)).isNull();
        assertThat(redactor.text("")).isEmpty();
        assertThat(redactor.url(null)).isNull();
    }

    /** The cheap scan lets the expression run for every spelling it matches: never a trigger word it misses. */
    @Test
    void theTriggerScanMissesNoSpellingTheExpressionMatches() {
        java.util.regex.Pattern triggers = java.util.regex.Pattern.compile("(?i)bearer|token|basic|r8_|whsec_");
        String alphabet = "bBeEaArRsSiIcCtToOkKnNwWhH8_ x/";
        java.util.Random random = new java.util.Random(14);
        for (int n = 0; n < 200_000; n++) {
            char[] c = new char[1 + random.nextInt(10)];
            for (int i = 0; i < c.length; i++) {
                c[i] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            String s = new String(c);
            if (triggers.matcher(s).find()) {
                assertThat(Redactor.mayHoldCredential(s)).as(s).isTrue();
            }
        }
        for (String s : List.of("BEARER", "x Bearer", "bAsIc", "ToKeN", "R8_", "ends with r8_", "WHSEC_")) {
            assertThat(Redactor.mayHoldCredential(s)).as(s).isTrue();
        }
        for (String s : List.of("https://api.replicate.com/v1/predictions/abc", "r8", "rb_", "tok", "whsec")) {
            assertThat(Redactor.mayHoldCredential(s)).as(s).isFalse();
        }
    }
}
