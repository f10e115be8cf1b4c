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
        // what collations and LDAP ignore: a soft hyphen, zero-width characters, a byte order mark, accents
        for (String name : new String[]{"ka\u00adsimir case", "kasi\u200bmir\u200d case\ufeff", "k\u00e1simir c\u00e4se",
                "kasimir\u034f case\ufe0f", "\u00adkasimir case"}) {
            assertThat(Admission.principalKey(name)).as(name).isEqualTo(key);
        }
    }

    /** The shortcut for names already folded gives what the whole folding gives, for any name. */
    @Test
    void theShortcutForFoldedNamesAgreesWithTheWholeFolding() {
        java.util.Random random = new java.util.Random(14);
        for (int i = 0; i < 20_000; i++) {
            char[] name = new char[1 + random.nextInt(12)];
            for (int j = 0; j < name.length; j++) {
                name[j] = (char) (random.nextInt(4) == 0 ? random.nextInt(0x2100) : 0x20 + random.nextInt(0x60));
            }
            String n = new String(name);
            String folded = java.text.Normalizer.normalize(n, java.text.Normalizer.Form.NFKD)
                    .replaceAll("[\\p{Mn}\\p{Cf}\\p{Cc}\\u115F\\u1160&&[^\\s]]", "").strip()
                    .replaceAll("\\s+", " ").toUpperCase(java.util.Locale.ROOT).toLowerCase(java.util.Locale.ROOT);
            assertThat(Admission.principalKey(n)).as("%s", n.chars().mapToObj(c -> String.format("U+%04X", c))
                    .toList()).isEqualTo(folded);
        }
    }

    @Test
    void differentNamesStayApart() {
        for (String other : new String[]{"kasimir-case", "kasimircase", "kasimir case2", "kasimir:case",
                "kasimir*case", "kasimir\ncase x"}) {
            assertThat(Admission.principalKey(other)).as(other).isNotEqualTo(Admission.principalKey("kasimir case"));
        }
    }
}
