package dev.impulse.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the independent tools tests check impulse with (umoci, skopeo), bounded in time. */
public final class Tools {
  private Tools() {}

  /** Runs {@code command}; returns its standard output, or fails with what it printed. */
  public static String run(String... command) {
    try {
      Path err = Files.createTempFile("impulse-tool-", ".err");
      try {
        Process process =
            new ProcessBuilder(command)
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
          process.destroyForcibly().waitFor();
          throw new AssertionError(List.of(command) + " did not end within 5 minutes");
        }
        if (process.exitValue() != 0) {
          throw new AssertionError(
              List.of(command)
                  + " exited with "
                  + process.exitValue()
                  + ": "
                  + Files.readString(err)
                  + out);
        }
        return out;
      } finally {
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + List.of(command), e);
    }
  }
}
