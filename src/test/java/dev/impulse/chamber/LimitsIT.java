package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Per-chamber limits and environment from the spec, and what happens at the limits. */
class LimitsIT {
  static DaemonFixture impulse;

  @BeforeAll
  static void start() {
    impulse = DaemonFixture.start();
    impulse.upload("hog", "1", Functions.memoryHog());
    impulse.upload("bomb", "1", Functions.forkBomb());
    impulse.upload("introspect", "1", Functions.introspect());
    impulse.upload("sampleapp", "1.0.0", Functions.sample());
  }

  @AfterAll
  static void stop() {
    impulse.close();
  }

  @AfterEach
  void destroyEverything() {
    impulse.destroyAll();
    impulse.assertNothingLeaked();
  }

  private static JsonNode running(String body) {
    Http.Response created = impulse.post("/chambers", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return impulse.awaitStatus(created.json().get("id").asText(), "RUNNING");
  }

  @Test
  void aChamberOverItsMemoryLimitIsOomKilled() {
    // Its cgroup holds 48 + 16 MiB: memory and disk (an empty /tmp leaves the function both).
    JsonNode hog =
        running(
            "{\"app\":\"hog\",\"version\":\"1\",\"runtime\":\"python3\",\"memoryMb\":48,\"diskMb\":16}");
    try {
      impulse.call(hog.get("port").asInt(), "{\"mb\":200}");
    } catch (java.io.UncheckedIOException killedWhileAnswering) {
      // the kernel killed it before it could answer
    }
    JsonNode failed = impulse.awaitStatus(hog.get("id").asText(), "FAILED");
    assertThat(failed.get("reason").asText()).isEqualTo("OOMKilled");
    assertThat(failed.get("exitCode").asInt()).isEqualTo(137);
  }

  @Test
  void aForkBombIsStoppedByItsPidsLimitAndHarmsNothingElse() {
    JsonNode bomb =
        running("{\"app\":\"bomb\",\"version\":\"1\",\"runtime\":\"python3\",\"pids\":32}");
    JsonNode neighbour =
        running("{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}");
    impulse.call(bomb.get("port").asInt(), "{\"bomb\":true}");
    String id = bomb.get("id").asText();
    for (int i = 0; i < 50; i++) {
      JsonNode stats = impulse.get("/chambers/" + id + "/stats").json();
      assertThat(stats.get("pids").asLong()).isLessThanOrEqualTo(32);
      if (stats.get("pids").asLong() == 32) {
        break;
      }
      sleep(100);
    }
    assertThat(impulse.get("/chambers/" + id + "/stats").json().get("pids").asLong()).isEqualTo(32);
    // Everything else carries on.
    assertThat(impulse.call(neighbour.get("port").asInt(), "{\"name\":\"n\"}").status())
        .isEqualTo(200);
    assertThat(impulse.get("/chambers").status()).isEqualTo(200);
    JsonNode other =
        running("{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}");
    assertThat(impulse.call(other.get("port").asInt(), "{}").status()).isEqualTo(200);
    assertThat(impulse.delete("/chambers/" + id).status()).isEqualTo(204);
  }

  @Test
  void envReachesTheFunctionButNotOverTheWrappersOwn() {
    JsonNode chamber =
        running(
            "{\"app\":\"introspect\",\"version\":\"1\",\"runtime\":\"python3.9\","
                + "\"env\":{\"GREETING\":\"hi there\",\"PATH\":\"/custom:/usr/bin:/bin\"}}");
    JsonNode env = impulse.call(chamber.get("port").asInt(), "{}").json().get("env");
    assertThat(env.get("GREETING").asText()).isEqualTo("hi there");
    assertThat(env.get("PATH").asText()).isEqualTo("/custom:/usr/bin:/bin");
    assertThat(env.get("SKYHOOK_PORT").asInt())
        .as("the wrapper listens on a fixed port in its own namespace")
        .isEqualTo(dev.impulse.network.BridgeNetwork.WRAPPER_PORT);
    assertThat(chamber.at("/spec/env/GREETING").asText())
        .as("the spec shows it as given")
        .isEqualTo("hi there");
  }

  @Test
  void aCpuLimitBecomesACfsQuota() throws Exception {
    JsonNode chamber =
        running(
            "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\",\"cpus\":0.25}");
    Path cgroup =
        Path.of("/sys/fs/cgroup/cpu", "impulse-" + impulse.name(), chamber.get("id").asText());
    Path quota = Files.exists(cgroup) ? cgroup.resolve("cpu.cfs_quota_us") : null;
    if (quota != null) {
      assertThat(Files.readString(quota).trim()).isEqualTo("25000");
    } else {
      Path v2 =
          Path.of(
              "/sys/fs/cgroup", "impulse-" + impulse.name(), chamber.get("id").asText(), "cpu.max");
      assertThat(Files.readString(v2).trim()).isEqualTo("25000 100000");
    }
    assertThat(chamber.at("/spec/cpus").asDouble()).isEqualTo(0.25);
  }

  @Test
  void aStartupTimeoutFromTheSpecWins() {
    impulse.upload("slow", "1", Functions.slowImport(30));
    Http.Response created =
        impulse.post(
            "/chambers",
            "{\"app\":\"slow\",\"version\":\"1\",\"runtime\":\"python3\",\"startupTimeoutMs\":1500}");
    JsonNode failed = impulse.awaitStatus(created.json().get("id").asText(), "FAILED");
    assertThat(failed.get("reason").asText()).startsWith("not ready within 1500 ms");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"memoryMb\":1 | field 'memoryMb' must be between 16 and 1048576, not 1",
        "\"memoryMb\":\"64\" | field 'memoryMb' must be a whole number, not a string",
        "\"diskMb\":8 | field 'diskMb' must be between 16 and 1048576, not 8",
        "\"diskMb\":2.5 | field 'diskMb' must be a whole number, not a number",
        "\"cpus\":0 | field 'cpus' must be between 0.01 and 1024.0, not 0.0",
        "\"cpus\":true | field 'cpus' must be a number, not a boolean",
        "\"pids\":2 | field 'pids' must be between 16 and 1048576, not 2",
        "\"startupTimeoutMs\":5 | field 'startupTimeoutMs' must be between 100 and 3600000, not 5",
        "\"restart\":\"always\" | field 'restart' must be \"never\" or \"on-failure\", not \"always\"",
        "\"maxRestarts\":3 | field 'maxRestarts' needs \"restart\": \"on-failure\"",
        "\"env\":[1] | field 'env' must be an object of strings, not an array",
        "\"env\":{\"A\":1} | env value of 'A' must be a string, not a number",
        "\"env\":{\"SKYHOOK_PORT\":\"1\"} | env name 'SKYHOOK_PORT' is reserved: SKYHOOK_* belongs to the wrapper",
        "\"env\":{\"1BAD\":\"x\"} | env name '1BAD' is not valid: use letters, digits and '_', not starting with a digit"
      })
  void limitsOutOfBoundsAreRefusedWithTheirBounds(String field, String detail) {
    Http.Response response =
        impulse.post(
            "/chambers",
            "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"," + field + "}");
    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.json().get("detail").asText()).isEqualTo(detail);
    assertThat(impulse.chambers()).isEmpty();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
