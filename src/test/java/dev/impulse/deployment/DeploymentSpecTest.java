package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.chamber.ChamberSpec;
import dev.impulse.chamber.InvalidSpecException;
import dev.impulse.image.InvalidNameException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentSpecTest {
  private static Map<String, Object> given(Object... pairs) {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("version", "1");
    given.put("runtime", "python3");
    for (int i = 0; i < pairs.length; i += 2) {
      given.put((String) pairs[i], pairs[i + 1]);
    }
    return given;
  }

  private static String refusal(Map<String, ?> given) {
    try {
      DeploymentSpec.fromGiven("shop", given);
    } catch (InvalidDeploymentException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted " + given);
  }

  @Test
  void onlyVersionAndRuntimeGivenTakesTheDefaults() {
    DeploymentSpec spec = DeploymentSpec.fromGiven("shop", given());
    assertThat(spec.app()).isEqualTo("shop");
    assertThat(spec.chamber()).isEqualTo(ChamberSpec.of("shop", "1", "python3"));
    assertThat(spec.scaling()).isEqualTo(Scaling.DEFAULT).isEqualTo(new Scaling(1, 0, 10, 60_000));
  }

  @Test
  void everyFieldGivenIsRead() {
    DeploymentSpec spec =
        DeploymentSpec.fromGiven(
            "shop",
            given(
                "env",
                Map.of("K", "v"),
                "memoryMb",
                64,
                "cpus",
                0.5,
                "concurrency",
                4,
                "minChambers",
                1L,
                "maxChambers",
                BigInteger.valueOf(3),
                "idleTimeoutMs",
                5000));
    assertThat(spec.chamber().env()).containsExactly(Map.entry("K", "v"));
    assertThat(spec.chamber().memoryMb()).hasValue(64);
    assertThat(spec.chamber().cpus()).hasValue(0.5);
    assertThat(spec.scaling()).isEqualTo(new Scaling(4, 1, 3, 5000));
  }

  @Test
  void aScalingFieldGivenAsNullTakesItsDefault() {
    assertThat(DeploymentSpec.fromGiven("shop", given("concurrency", null)).scaling())
        .isEqualTo(Scaling.DEFAULT);
  }

  @Test
  void anUnknownFieldIsRefusedNamingTheAllowedOnes() {
    assertThat(refusal(given("replicas", 3)))
        .isEqualTo(
            "unknown field 'replicas'; allowed fields: concurrency, cpus, diskMb, env,"
                + " idleTimeoutMs, maxChambers, memoryMb, minChambers, pids, runtime,"
                + " startupTimeoutMs, version");
  }

  @Test
  void theAppIsRefusedAsAFieldBecauseThePathNamesIt() {
    assertThat(refusal(given("app", "shop")))
        .isEqualTo(
            "field 'app' cannot be set on a deployment: the app is named by the path,"
                + " /deployments/shop");
  }

  @Test
  void restartFieldsAreRefusedBecauseADeploymentReplacesChambersItself() {
    assertThat(refusal(given("restart", "on-failure")))
        .isEqualTo(
            "field 'restart' cannot be set on a deployment: a deployment replaces failed"
                + " chambers itself");
    assertThat(refusal(given("maxRestarts", 2)))
        .startsWith("field 'maxRestarts' cannot be set on a deployment");
  }

  @Test
  void scalingFieldsOutOfBoundsAreRefusedNamingTheBounds() {
    assertThat(refusal(given("concurrency", 0)))
        .isEqualTo("field 'concurrency' must be between 1 and 1000, not 0");
    assertThat(refusal(given("concurrency", 1001)))
        .isEqualTo("field 'concurrency' must be between 1 and 1000, not 1001");
    assertThat(refusal(given("minChambers", -1)))
        .isEqualTo("field 'minChambers' must be between 0 and 1000, not -1");
    assertThat(refusal(given("maxChambers", 0)))
        .isEqualTo("field 'maxChambers' must be between 1 and 1000, not 0");
    assertThat(refusal(given("idleTimeoutMs", 999)))
        .isEqualTo("field 'idleTimeoutMs' must be between 1000 and 604800000, not 999");
    assertThat(refusal(given("minChambers", 3, "maxChambers", 2)))
        .isEqualTo("field 'minChambers' (3) must not exceed 'maxChambers' (2)");
  }

  @Test
  void theBoundsThemselvesAreAccepted() {
    DeploymentSpec spec =
        DeploymentSpec.fromGiven(
            "shop",
            given(
                "concurrency", 1000,
                "minChambers", 1000,
                "maxChambers", 1000,
                "idleTimeoutMs", 604_800_000L));
    assertThat(spec.scaling()).isEqualTo(new Scaling(1000, 1000, 1000, 604_800_000L));
    assertThat(DeploymentSpec.fromGiven("shop", given("idleTimeoutMs", 1000)).scaling())
        .isEqualTo(new Scaling(1, 0, 10, 1000));
  }

  @Test
  void aScalingValueBeyondTheIntRangeIsRefusedNotTruncated() {
    // 2^32 + 1 would read as 1 if cut to an int
    assertThat(refusal(given("concurrency", 4_294_967_297L)))
        .isEqualTo("field 'concurrency' is out of range: 4294967297");
    assertThat(refusal(given("maxChambers", 4_294_967_306L)))
        .isEqualTo("field 'maxChambers' is out of range: 4294967306");
    assertThat(refusal(given("minChambers", -4_294_967_296L)))
        .isEqualTo("field 'minChambers' is out of range: -4294967296");
    assertThat(refusal(given("concurrency", BigInteger.TWO.pow(40)))).contains("'concurrency'");
  }

  @Test
  void aScalingValueThatIsNoWholeNumberIsRefused() {
    assertThat(refusal(given("concurrency", 1.5)))
        .isEqualTo("field 'concurrency' must be a whole number, not 1.5");
    assertThat(refusal(given("maxChambers", 2.0)))
        .isEqualTo("field 'maxChambers' must be a whole number, not 2.0");
    assertThat(refusal(given("minChambers", "1")))
        .isEqualTo("field 'minChambers' must be a whole number, not 1");
    assertThat(refusal(given("idleTimeoutMs", true)))
        .isEqualTo("field 'idleTimeoutMs' must be a whole number, not true");
  }

  @Test
  void aBadChamberFieldIsRefusedByTheChamberSpec() {
    Map<String, Object> noVersion = given();
    noVersion.remove("version");
    assertThatThrownBy(() -> DeploymentSpec.fromGiven("shop", noVersion))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("field 'version' is required");
    assertThatThrownBy(() -> DeploymentSpec.fromGiven("shop", given("memoryMb", 1)))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("field 'memoryMb' must be between");
  }

  @Test
  void anAppThatIsNoValidNameIsRefused() {
    assertThatThrownBy(() -> DeploymentSpec.fromGiven("Shop", given()))
        .isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> DeploymentSpec.fromGiven("../x", given()))
        .isInstanceOf(InvalidNameException.class);
  }

  @Test
  void aMissingBodyIsRefused() {
    assertThat(refusal(null)).isEqualTo("a deployment must be a JSON object");
  }

  @Test
  void aChamberSpecOfAnotherAppIsRefused() {
    assertThatThrownBy(
            () -> new DeploymentSpec("shop", ChamberSpec.of("other", "1", "py"), Scaling.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void asGivenRoundTripsThroughFromGiven() {
    DeploymentSpec spec =
        DeploymentSpec.fromGiven(
            "shop",
            given(
                "env", Map.of("B", "2", "A", "1"),
                "memoryMb", 64,
                "diskMb", 32,
                "cpus", 1.0,
                "pids", 100,
                "startupTimeoutMs", 5000,
                "concurrency", 8,
                "minChambers", 2,
                "maxChambers", 5,
                "idleTimeoutMs", 1500));

    assertThat(spec.asGiven()).doesNotContainKey("app");
    assertThat(DeploymentSpec.fromGiven("shop", spec.asGiven())).isEqualTo(spec);
    assertThat(DeploymentSpec.fromGiven("shop", given()).asGiven())
        .containsOnlyKeys(
            "version", "runtime", "concurrency", "minChambers", "maxChambers", "idleTimeoutMs");
  }

  @Test
  void asGivenRoundTripsThroughJsonAsTheStoreKeepsIt() throws Exception {
    ObjectMapper json = new ObjectMapper();
    DeploymentSpec spec =
        DeploymentSpec.fromGiven(
            "shop",
            given("env", Map.of("K", "v"), "cpus", 2.0, "memoryMb", 128, "idleTimeoutMs", 90_000));
    Map<String, Object> stored =
        json.readValue(json.writeValueAsString(spec.asGiven()), new TypeReference<>() {});
    assertThat(DeploymentSpec.fromGiven("shop", stored)).isEqualTo(spec);
  }

  @Test
  void aChangeOfWhatChambersRunRollsOver() {
    DeploymentSpec before = DeploymentSpec.fromGiven("shop", given());
    assertThat(before.rollsOver(DeploymentSpec.fromGiven("shop", given("version", "2")))).isTrue();
    assertThat(before.rollsOver(DeploymentSpec.fromGiven("shop", given("runtime", "python3.11"))))
        .isTrue();
    assertThat(before.rollsOver(DeploymentSpec.fromGiven("shop", given("env", Map.of("K", "v")))))
        .isTrue();
    assertThat(before.rollsOver(DeploymentSpec.fromGiven("shop", given("memoryMb", 64)))).isTrue();
  }

  @Test
  void aChangeOfScalingAloneDoesNotRollOver() {
    DeploymentSpec before = DeploymentSpec.fromGiven("shop", given());
    DeploymentSpec after =
        DeploymentSpec.fromGiven(
            "shop",
            given("concurrency", 5, "minChambers", 1, "maxChambers", 3, "idleTimeoutMs", 2000));
    assertThat(after).isNotEqualTo(before);
    assertThat(before.rollsOver(after)).isFalse();
    assertThat(before.rollsOver(DeploymentSpec.fromGiven("shop", given()))).isFalse();
  }
}
