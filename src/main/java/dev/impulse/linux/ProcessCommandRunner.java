package dev.impulse.linux;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs programs with {@link ProcessBuilder}: stdin from /dev/null, stdout and stderr captured,
 * killed when they outlive their time limit. Started through the {@link Reaper} so its sweep never
 * takes their exit status. Thread-safe.
 */
public final class ProcessCommandRunner implements CommandRunner {
  private static final File DEV_NULL = new File("/dev/null");
  private final Reaper reaper;

  public ProcessCommandRunner(Reaper reaper) {
    this.reaper = reaper;
  }

  @Override
  public CommandResult run(List<String> command, Duration timeout) {
    return run(command, null, timeout);
  }

  /**
   * Runs {@code command} with {@code input} (a batch of commands for {@code ip -batch -} or {@code
   * nft -f -}) on its stdin; stdin is /dev/null when {@code input} is null.
   */
  public CommandResult run(List<String> command, String input, Duration timeout) {
    Process process;
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      process = reaper.start(input == null ? builder.redirectInput(DEV_NULL) : builder);
    } catch (IOException e) {
      throw new CommandFailedException(command, "could not start: " + e.getMessage(), e);
    }
    if (input != null) {
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // It ended without reading all of it: its exit code and stderr below say why.
      }
    }
    AtomicReference<String> stderr = new AtomicReference<>("");
    Thread errReader =
        Thread.ofVirtual().start(() -> stderr.set(readAll(process.getErrorStream())));
    AtomicReference<String> stdout = new AtomicReference<>("");
    Thread outReader =
        Thread.ofVirtual().start(() -> stdout.set(readAll(process.getInputStream())));
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
        throw new CommandFailedException(
            command, "did not finish within " + timeout.toMillis() + " ms and was killed", null);
      }
      errReader.join();
      outReader.join();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CommandFailedException(command, "was interrupted", e);
    }
    return new CommandResult(command, process.exitValue(), stdout.get(), stderr.get());
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
