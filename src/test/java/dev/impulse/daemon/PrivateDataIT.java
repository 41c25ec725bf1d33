package dev.impulse.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.testing.DaemonFixture;
import dev.impulse.testing.Functions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The data directory holds every tenant's code, environment and root file system changes: no other
 * user of the machine may read them, or run a set-uid binary a tenant (root in its chamber) left.
 */
class PrivateDataIT {
  @Test
  void noOtherUserCanReadOrRunWhatTenantsLeft() throws Exception {
    // A daemon process's fixture makes the data directory (0755) before the daemon starts.
    try (DaemonFixture impulse =
        DaemonFixture.startProcess(DaemonFixture.Options.defaults().withPortCount(2))) {
      impulse.upload("sampleapp", "1.0.0", Functions.sample());
      String id = impulse.create("sampleapp", "1.0.0", "python3").get("id").asText();
      impulse.awaitStatus(id, "RUNNING");
      Path data = impulse.dataDir();
      Path chamber = data.resolve("chambers").resolve(id);

      for (String dir : List.of("", "functions", "chambers", "tmp")) {
        assertThat(mode(data.resolve(dir))).as("/" + dir).isEqualTo("rwx------");
      }
      for (String dir : List.of("runc", "exits", "sockets")) {
        // runc's state holds each container's config, its environment included
        assertThat(mode(impulse.runDir().resolve(dir)))
            .as("run dir /" + dir)
            .isEqualTo("rwx------");
      }
      for (String file : List.of("impulse.db", "impulse.db-wal", "impulse.db-shm", "api-token")) {
        assertThat(mode(data.resolve(file))).as(file).isEqualTo("rw-------");
      }
      assertThat(Files.readString(impulse.log()))
          .contains(data + " was mode rwxr-xr-x; made it rwx------");

      // What any other user gets of the function's code, its chamber's environment, the store.
      Path code = find(data.resolve("functions"), "main.py");
      for (Path secret :
          List.of(code, chamber.resolve("config.json"), data.resolve("impulse.db"))) {
        assertThat(asNobody("cat", secret.toString())).as(secret.toString()).contains("denied");
      }
      // A set-uid-root binary a tenant left in its root file system's upper directory.
      Path planted = chamber.resolve("upper").resolve("planted-id");
      Files.copy(Path.of("/usr/bin/id"), planted, StandardCopyOption.COPY_ATTRIBUTES);
      Files.setAttribute(planted, "unix:mode", 04755);
      assertThat(asNobody(planted.toString())).contains("denied").doesNotContain("euid=0");
      Files.delete(planted);
    }
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private static Path find(Path dir, String name) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
    }
  }

  /**
   * Runs {@code command} as the user nobody; returns what it printed. (Not with setpriv, whose own
   * exec still has root's capabilities: it finds a program through a directory nobody may enter.)
   */
  private static String asNobody(String... command) {
    List<String> full = new ArrayList<>(List.of("runuser", "-u", "nobody", "--"));
    full.addAll(List.of(command));
    try {
      Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
