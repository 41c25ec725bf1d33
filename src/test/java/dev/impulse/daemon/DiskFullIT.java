package dev.impulse.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import dev.impulse.testing.Http;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The data directory's file system fills up while a chamber runs: the daemon refuses what would
 * take space with a problem naming the file system, changes nothing half-way, keeps running
 * chambers running, still destroys (which frees space), and serves again once there is room,
 * without a restart.
 */
class DiskFullIT {
  static final String CREATE =
      "{\"app\":\"sampleapp\",\"version\":\"1.0.0\",\"runtime\":\"python3\"}";

  @Test
  void aFullDiskIsSurvivedAndRecoveredFromWithoutARestart() throws Exception {
    try (DaemonFixture impulse =
        DaemonFixture.startOnTmpfs(DaemonFixture.Options.defaults().withPortCount(4), 200)) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      String running = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      int port = impulse.awaitStatus(running, "RUNNING").get("port").asInt();

      Path filler = impulse.dataDir().resolve("filler");
      fill(filler);

      Http.Response upload = impulse.put("/functions/sampleapp/2.0.0", Functions.sample());
      assertThat(upload.status()).as(upload.body()).isEqualTo(507);
      JsonNode problem = upload.json();
      assertThat(problem.get("type").asText()).endsWith(":disk-full");
      assertThat(problem.get("detail").asText())
          .contains(impulse.dataDir().toString())
          .contains("MiB free");
      assertThat(impulse.get("/functions").json()).hasSize(1);

      Http.Response create = impulse.post("/chambers", CREATE);
      assertThat(create.status()).as(create.body()).isEqualTo(507);
      assertThat(impulse.chambers()).hasSize(1);

      assertThat(impulse.call(port, "{\"name\":\"full\"}").status())
          .as("a running chamber runs on")
          .isEqualTo(200);
      assertThat(impulse.delete("/chambers/" + running).status())
          .as("a destroy frees space, so it works on a full disk")
          .isEqualTo(204);
      assertThat(impulse.chambers()).isEmpty();

      Files.delete(filler);
      Http.Response again = createOnceThereIsRoom(impulse);
      assertThat(again.status()).as(again.body()).isEqualTo(201);
      String id = again.json().get("id").asText();
      int newPort = impulse.awaitStatus(id, "RUNNING").get("port").asInt();
      assertThat(impulse.call(newPort, "{}").status()).isEqualTo(200);
      assertThat(impulse.put("/functions/sampleapp/2.0.0", Functions.sample()).status())
          .isEqualTo(201);
    }
  }

  /** Writes until the file system is full. */
  private static void fill(Path filler) throws IOException {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(filler)) {
      for (int i = 0; i < 4096; i++) {
        out.write(chunk);
      }
      throw new AssertionError("the tmpfs never filled up");
    } catch (IOException full) {
      assertThat(full.getMessage()).contains("No space left on device");
    }
  }

  /**
   * The store takes its reserve back when there is room again (housekeeping, every second); until
   * then creates are still refused, as they should be.
   */
  private static Http.Response createOnceThereIsRoom(DaemonFixture impulse)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Http.Response response = impulse.post("/chambers", CREATE);
    while (response.status() == 507 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      response = impulse.post("/chambers", CREATE);
    }
    return response;
  }
}
