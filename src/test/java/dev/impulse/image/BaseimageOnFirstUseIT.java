package dev.impulse.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.linux.FileTrees;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A runtime whose baseimage is not built is built, with mmdebstrap, when a chamber first needs it;
 * the chamber stays STARTING meanwhile and GET /runtimes shows the build's progress.
 */
class BaseimageOnFirstUseIT {
  @Test
  void aChamberWaitsStartingWhileItsBaseimageIsBuilt() throws Exception {
    Path scratch = Files.createTempDirectory(Path.of("/var/tmp"), "impulse-it-baseimages-");
    try (DaemonFixture impulse =
        DaemonFixture.start(
            DaemonFixture.Options.defaults().withPortCount(5).withBaseimages(scratch))) {
      assertThat(runtime(impulse, "python3.11").get("status").asText()).isEqualTo("NOT_BUILT");
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();

      JsonNode building = null;
      for (int i = 0; i < 600 && building == null; i++) {
        JsonNode runtime = runtime(impulse, "python3.11");
        if (runtime.get("status").asText().equals("BUILDING")
            && !runtime.get("detail").asText().isEmpty()) {
          building = runtime;
          assertThat(impulse.chamber(id).get("status").asText()).isEqualTo("STARTING");
        }
        Thread.sleep(100);
      }
      assertThat(building).as("the build was seen with its progress").isNotNull();
      assertThat(building.get("detail").asText()).startsWith("I: ");

      JsonNode running = impulse.awaitStatus(id, "RUNNING"::equals, Duration.ofMinutes(10));
      assertThat(impulse.call(running.get("port").asInt(), "{}").json().get("python").asText())
          .startsWith("3.11.");
      JsonNode built = runtime(impulse, "python3.11");
      assertThat(built.get("status").asText()).isEqualTo("BUILT");
      assertThat(built.get("built").asBoolean()).isTrue();
      assertThat(runtime(impulse, "python3.9").get("built").asBoolean())
          .as("only what was needed")
          .isFalse();
    } finally {
      FileTrees.deleteRecursively(scratch);
    }
  }

  private static JsonNode runtime(DaemonFixture impulse, String name) {
    for (JsonNode runtime : impulse.get("/runtimes").json()) {
      if (runtime.get("name").asText().equals(name)) {
        return runtime;
      }
    }
    throw new AssertionError("no runtime " + name);
  }
}
