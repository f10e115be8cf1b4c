package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The key a principal is counted by: one per user however a loosely matching realm reports the name. */
class AdmissionKeysTest {
    @Test
    void spellingsOfOneNameAreOneKey() {
        String key = Admission.principalKey("kasimir case");
        for (String name : new String[]{"Kasimir Case", "KASIMIR CASE", " kasimir\tcase ", "kasimir \u00a0 case",
                "\uff2b\uff41\uff53\uff49\uff4d\uff49\uff52 case", "\u212aasimir case", "kasimir ca\u017fe"}) {
            assertThat(Admission.principalKey(name)).as(name).isEqualTo(key);
        }
        assertThat(Admission.principalKey("STRASSE")).isEqualTo(Admission.principalKey("stra\u00dfe"));
        assertThat(Admission.principalKey("Ame\u0301lie")).isEqualTo(Admission.principalKey("Am\u00e9lie"));
    }

    @Test
    void differentNamesStayApart() {
        for (String other : new String[]{"kasimir-case", "kasimircase", "kasimir case2", "kasimir:case",
                "kasimir*case", "kasimir\ncase x"}) {
            assertThat(Admission.principalKey(other)).as(other).isNotEqualTo(Admission.principalKey("kasimir case"));
        }
    }
}
