package dev.impulse.linux;

import java.time.Duration;
import java.util.List;

/**
 * Runs an external program to completion. The interface exists so tests can check the exact command
 * lines that runc and the image builder are given without running them.
 */
@FunctionalInterface
public interface CommandRunner {
  /**
   * Runs {@code command} and returns its exit code and output; throws {@link
   * CommandFailedException} when it cannot start or outlives {@code timeout} (it is then killed).
   */
  CommandResult run(List<String> command, Duration timeout);
}
