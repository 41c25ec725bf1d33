package dev.impulse.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the other tools a scenario sets up or measures with (umoci, skopeo), bounded in time,
 * started through the harness's reaper so its sweep of orphans never takes their exit status.
 * Closing it kills those still running (a run cut short), so none writes on into the scenario's
 * directory once it is removed. Thread-safe.
 */
final class Programs implements AutoCloseable {
  private final BenchEnv env;
  private final Duration limit;
  private final Set<Process> running = ConcurrentHashMap.newKeySet();

  Programs(BenchEnv env, Duration limit) {
    this.env = env;
    this.limit = limit;
  }

  /**
   * Runs {@code command} with no input; returns its standard output, or fails naming the command,
   * its exit code and what it printed on standard error.
   */
  String run(String... command) {
    List<String> line = List.of(command);
    try {
      // Both outputs go to files, so that a stuck program cannot block a read past the limit; in
      // the run's directory, which goes also when the run is cut short.
      Path out = Files.createTempFile(env.root, "program-", ".out");
      Path err = Files.createTempFile(env.root, "program-", ".err");
      try {
        Process process =
            env.start(
                new ProcessBuilder(line)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))));
        running.add(process);
        try {
          if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(line + " did not end within " + limit);
          }
        } finally {
          running.remove(process);
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(
              "'"
                  + String.join(" ", line)
                  + "' exited with "
                  + process.exitValue()
                  + ": "
                  + Files.readString(err).strip());
        }
        return Files.readString(out, StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + line, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + line, e);
    }
  }

  /** Kills the programs still running and waits for them (at most 10 s each). */
  @Override
  public void close() throws InterruptedException {
    for (Process process : running) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "programs running: " + running;
  }
}
