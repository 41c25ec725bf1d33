package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ChamberSpecTest {
  private static Map<String, Object> given(Object... pairs) {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("app", "a");
    given.put("version", "1");
    given.put("runtime", "python3");
    for (int i = 0; i < pairs.length; i += 2) {
      given.put((String) pairs[i], pairs[i + 1]);
    }
    return given;
  }

  private static String refusal(Map<String, ?> given) {
    try {
      ChamberSpec.fromGiven(given);
    } catch (InvalidSpecException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted " + given);
  }

  @Test
  void everyFieldGivenIsRead() {
    ChamberSpec spec =
        ChamberSpec.fromGiven(
            given(
                "env",
                Map.of("K", "v"),
                "memoryMb",
                64,
                "diskMb",
                32,
                "cpus",
                0.5,
                "pids",
                100L,
                "startupTimeoutMs",
                BigInteger.valueOf(5000),
                "restart",
                "on-failure",
                "maxRestarts",
                2));
    assertThat(spec)
        .isEqualTo(
            new ChamberSpec(
                "a",
                "1",
                "python3",
                Map.of("K", "v"),
                OptionalLong.of(64),
                OptionalLong.of(32),
                OptionalDouble.of(0.5),
                OptionalLong.of(100),
                OptionalLong.of(5000),
                Optional.of(RestartPolicy.ON_FAILURE),
                OptionalInt.of(2)));
  }

  @Test
  void whatASpecShowsReadsBackAsTheSameSpec() {
    ChamberSpec spec =
        ChamberSpec.fromGiven(
            given("env", Map.of("B", "2", "A", "1"), "cpus", 2, "pids", 64, "diskMb", 24));
    assertThat(spec.asGiven()).containsEntry("diskMb", 24L);
    assertThat(ChamberSpec.fromGiven(spec.asGiven())).isEqualTo(spec);
  }

  @Test
  void aSpecWithoutADiskShowsNone() {
    assertThat(ChamberSpec.of("a", "1", "python3").diskMb()).isEmpty();
    assertThat(ChamberSpec.of("a", "1", "python3").asGiven()).doesNotContainKey("diskMb");
  }

  @Test
  void aStoredSpecReadsBackThroughJson() {
    SpecJson json = new SpecJson(new ObjectMapper());
    ChamberSpec spec =
        ChamberSpec.fromGiven(given("memoryMb", 128, "diskMb", 64, "restart", "never"));
    assertThat(json.read(json.write(spec))).isEqualTo(spec);
  }

  @Test
  void aSpecStoredBeforeDisksWereBoundedStillLoadsWithTheDefaultDisk() {
    ChamberSpec spec =
        new SpecJson(new ObjectMapper())
            .read("{\"app\":\"a\",\"version\":\"1\",\"runtime\":\"python3\",\"memoryMb\":64}");
    assertThat(spec.memoryMb()).hasValue(64);
    assertThat(spec.diskMb()).isEmpty();
  }

  @Test
  void aDiskOutOfBoundsIsRefusedWithItsBounds() {
    assertThat(refusal(given("diskMb", 15)))
        .isEqualTo("field 'diskMb' must be between 16 and 1048576, not 15");
    assertThat(refusal(given("diskMb", 1048577)))
        .isEqualTo("field 'diskMb' must be between 16 and 1048576, not 1048577");
    assertThat(refusal(given("diskMb", "64")))
        .isEqualTo("field 'diskMb' must be a whole number, not a string");
    assertThat(refusal(given("diskMb", 0.5)))
        .isEqualTo("field 'diskMb' must be a whole number, not a number");
    assertThat(ChamberSpec.fromGiven(given("diskMb", 16)).diskMb()).hasValue(16);
    assertThat(ChamberSpec.fromGiven(given("diskMb", 1048576)).diskMb()).hasValue(1048576);
  }

  @Test
  void nullFieldsAreAbsent() {
    assertThat(ChamberSpec.fromGiven(given("memoryMb", null, "env", null, "diskMb", null)))
        .isEqualTo(ChamberSpec.of("a", "1", "python3"));
  }

  @Test
  void refusalsNameTheFieldAndWhatWasExpected() {
    assertThat(refusal(null)).isEqualTo("a chamber request must be a JSON object");
    assertThat(refusal(Map.of("version", "1", "runtime", "python3")))
        .isEqualTo("field 'app' is required");
    assertThat(refusal(given("app", 5))).isEqualTo("field 'app' must be a string, not a number");
    assertThat(refusal(given("extra", true)))
        .startsWith("unknown field 'extra'; allowed fields: app, cpus, diskMb, env,");
    assertThat(refusal(given("memoryMb", 1.5)))
        .isEqualTo("field 'memoryMb' must be a whole number, not a number");
    assertThat(refusal(given("pids", BigInteger.TWO.pow(64))))
        .isEqualTo("field 'pids' must be a whole number, not a number");
    assertThat(refusal(given("cpus", "2")))
        .isEqualTo("field 'cpus' must be a number, not a string");
    assertThat(refusal(given("env", List.of("A=1"))))
        .isEqualTo("field 'env' must be an object of strings, not an array");
    assertThat(refusal(given("env", Map.of("A", 1))))
        .isEqualTo("env value of 'A' must be a string, not a number");
    assertThat(refusal(given("restart", "always")))
        .isEqualTo("field 'restart' must be \"never\" or \"on-failure\", not \"always\"");
    assertThat(refusal(given("restart", false)))
        .isEqualTo("field 'restart' must be a string, not a boolean");
  }

  @Test
  void aStoredSpecThatIsNotJsonIsRefused() {
    assertThatThrownBy(() -> new SpecJson(new ObjectMapper()).read("{"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("a stored spec is not JSON");
  }
}
