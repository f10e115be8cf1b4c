package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelAllowlistTest {
    private static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private final ModelAllowlist a = ModelAllowlist.parse("acme/echo, stability/*  " + HASH + ",deployments/acme/prod");

    @Test
    void pathModels() {
        assertThat(a.allows(ModelAllowlist.classify("POST", "/models/acme/echo/predictions"))).isTrue();
        assertThat(a.allows(ModelAllowlist.classify("POST", "/models/ACME/Echo/predictions"))).isTrue(); // any case
        // classify reads canonical paths only: the proxy refuses a trailing slash before asking (end to end, for a
        // model not allowed: SecurityTests.spellingsOfRefusedRequestsNeverReachTheDecodingGateway)
        assertThatThrownBy(() -> CanonicalRequest.of("POST", "/app/replicate/models/ACME/Echo/predictions/",
                "/app/replicate", null)).isInstanceOf(Refusal.Refused.class).hasMessageContaining("trailing slash");
        assertThat(a.allows(ModelAllowlist.classify("POST", "/models/stability/sdxl/predictions"))).isTrue();
        assertThat(a.allows(ModelAllowlist.classify("POST", "/models/acme/other/predictions"))).isFalse();
        assertThat(a.allows(ModelAllowlist.classify("POST", "/models/acme/other/versions/" + HASH + "/trainings")))
                .isTrue();
        assertThat(a.allows(ModelAllowlist.classify("POST", "/models/acme/other/versions/abc/trainings"))).isFalse();
        assertThat(a.allows(ModelAllowlist.classify("POST", "/deployments/acme/prod/predictions"))).isTrue();
        assertThat(a.allows(ModelAllowlist.classify("POST", "/deployments/acme/echo/predictions"))).isFalse();
    }

    @Test
    void onlyRunsAreChecked() {
        assertThat(ModelAllowlist.classify("GET", "/models/acme/other/predictions").kind())
                .isEqualTo(ModelAllowlist.Kind.NONE);
        assertThat(ModelAllowlist.classify("POST", "/predictions/abc/cancel").kind()).isEqualTo(ModelAllowlist.Kind.NONE);
        assertThat(ModelAllowlist.classify("POST", "/predictions").bodyFields())
                .containsExactly(ModelAllowlist.BodyField.PREDICTION_VERSION);
        assertThat(ModelAllowlist.classify("DELETE", "/deployments/acme/prod")).isEqualTo(ModelAllowlist.Target.NONE);
        assertThat(ModelAllowlist.classify("GET", "/deployments/acme/prod")).isEqualTo(ModelAllowlist.Target.NONE);
    }

    /** What a deployment runs is checked where it is decided: its create and its change. */
    @Test
    void deploymentCreatesAndChanges() {
        ModelAllowlist.Target change = ModelAllowlist.classify("PATCH", "/deployments/ACME/prod");
        assertThat(change.kind()).isEqualTo(ModelAllowlist.Kind.DEPLOYMENT);
        assertThat(a.allows(change)).isTrue();
        assertThat(change.bodyFields()).containsExactly(ModelAllowlist.BodyField.DEPLOYMENT_VERSION);
        assertThat(a.allows(ModelAllowlist.classify("PATCH", "/deployments/acme/other"))).isFalse();
        assertThat(ModelAllowlist.classify("POST", "/deployments").bodyFields()).containsExactly(
                ModelAllowlist.BodyField.DEPLOYMENT_MODEL, ModelAllowlist.BodyField.DEPLOYMENT_VERSION);
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_VERSION, HASH)).isTrue();
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_VERSION, HASH.toUpperCase())).isTrue();
        // a version of an allowed model is not enough: whether Replicate checks it against the model is UNCONFIRMED
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_VERSION, "f".repeat(64))).isFalse();
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_VERSION, "acme/echo:" + HASH)).isFalse();
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_VERSION, "acme/echo")).isFalse();
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_MODEL, "stability/sdxl")).isTrue();
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_MODEL, "evil/x")).isFalse();
        assertThat(a.allows(ModelAllowlist.BodyField.DEPLOYMENT_MODEL, "acme/echo:" + HASH)).isFalse();
    }

    @Test
    void versionField() {
        assertThat(a.allowsVersionField("acme/echo")).isTrue();
        // a pinned version needs its id listed, also under an allowed name (UNCONFIRMED that Replicate checks the pair)
        assertThat(a.allowsVersionField("acme/echo:" + "f".repeat(64))).isFalse();
        assertThat(a.allowsVersionField("acme/echo:" + HASH)).isTrue();
        assertThat(a.allowsVersionField("other/model:" + HASH)).isTrue();
        assertThat(a.allowsVersionField(HASH)).isTrue();
        assertThat(a.allowsVersionField("f".repeat(64))).isFalse();
        assertThat(a.allowsVersionField("other/model")).isFalse();
        assertThat(a.allowsVersionField(null)).isFalse();
    }

    @Test
    void badEntries() {
        assertThatThrownBy(() -> ModelAllowlist.parse("acme")).hasMessageContaining("'acme'");
        assertThatThrownBy(() -> ModelAllowlist.parse("a/b/c")).hasMessageContaining("'a/b/c'");
        assertThatThrownBy(() -> ModelAllowlist.parse(" , ")).hasMessageContaining("empty");
    }
}
