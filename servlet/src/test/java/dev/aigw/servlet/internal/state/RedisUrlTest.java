package dev.aigw.servlet.internal.state;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisUrlTest {
    @Test
    void readsEveryPartAndNeverShowsThePassword() {
        RedisUrl u = RedisUrl.parse("rediss://app:p%40ss%3Aword@cache.example:6380/3");
        assertThat(u.tls()).isTrue();
        assertThat(u.host()).isEqualTo("cache.example");
        assertThat(u.port()).isEqualTo(6380);
        assertThat(u.database()).isEqualTo(3);
        assertThat(u.user()).isEqualTo("app");
        assertThat(u.password()).isEqualTo("p@ss:word");
        assertThat(u.toString()).isEqualTo("rediss://****@cache.example:6380/3").doesNotContain("word");
    }

    @Test
    void defaultsAndThePasswordAloneForm() {
        RedisUrl plain = RedisUrl.parse("redis://localhost");
        assertThat(plain).isEqualTo(new RedisUrl(false, "localhost", 6379, 0, null, null));
        assertThat(plain.toString()).isEqualTo("redis://localhost:6379/0");
        RedisUrl pw = RedisUrl.parse("REDIS://:secret@10.0.0.5/");
        assertThat(pw.user()).isNull();
        assertThat(pw.password()).isEqualTo("secret");
        assertThat(RedisUrl.parse("redis://secret@h").password()).isEqualTo("secret");
        assertThat(RedisUrl.parse("redis://[::1]:7000").toString()).isEqualTo("redis://[::1]:7000/0");
    }

    @Test
    void refusesWhatIsNotARedisUrlWithoutRepeatingThePassword() {
        for (String bad : new String[]{"http://h:6379", "redis://", "redis://h:0", "redis://h/db1", "redis://h?x=1",
                "redis://h#f", "redis:/h", "redis://:pw@h:99999", "h:6379"}) {
            assertThatThrownBy(() -> RedisUrl.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw"));
        }
    }
}
