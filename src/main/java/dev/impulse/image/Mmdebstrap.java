package dev.impulse.image;

import dev.impulse.linux.Reaper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Builds root file systems with mmdebstrap, which picks the Debian mirror itself. Its output lines
 * are the build's progress. Thread-safe; each build is its own process.
 */
public final class Mmdebstrap implements RootfsBuilder {
  static final Duration TIMEOUT = Duration.ofMinutes(30);
  private static final int KEPT_LINES = 15;

  private final Path binary;
  private final Reaper reaper;

  public Mmdebstrap(Path binary, Reaper reaper) {
    this.binary = binary;
    this.reaper = reaper;
  }

  @Override
  public void build(BaseimageRecipe recipe, Path target, Consumer<String> progress) {
    List<String> command = recipe.command(binary, target);
    Process process;
    try {
      process =
          reaper.start(
              new ProcessBuilder(command)
                  .redirectErrorStream(true)
                  .redirectInput(new File("/dev/null")));
    } catch (IOException e) {
      throw new BaseimageBuildException(
          "cannot run " + binary + " (install Debian's mmdebstrap): " + e.getMessage(), e);
    }
    Deque<String> last = new ArrayDeque<>();
    Thread reader =
        Thread.ofVirtual()
            .start(() -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  synchronized (last) {
                    last.addLast(line);
                    if (last.size() > KEPT_LINES) {
                      last.removeFirst();
                    }
                  }
                  progress.accept(line);
                }
              } catch (IOException e) {
                // the process ended or was killed; its exit code tells the rest
              }
            });
    try {
      if (!process.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new BaseimageBuildException(
            "mmdebstrap "
                + recipe.runtime().suite()
                + " took over "
                + TIMEOUT.toMinutes()
                + " min");
      }
      reader.join();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BaseimageBuildException("building " + recipe.runtime().name() + " was interrupted");
    }
    if (process.exitValue() != 0) {
      String tail;
      synchronized (last) {
        tail = String.join("\n", last);
      }
      throw new BaseimageBuildException(
          "mmdebstrap "
              + recipe.runtime().suite()
              + " failed (exit "
              + process.exitValue()
              + "); check that Debian's archive is reachable. Its last lines:\n"
              + tail);
    }
  }
}
