package dev.impulse.runtime;

import java.time.Duration;
import java.util.List;

/**
 * Runs an external program to completion. The interface exists so tests can check the exact command
 * lines that {@link Runc} and the image builder produce without running them.
 */
@FunctionalInterface
public interface CommandRunner {
  /**
   * Runs {@code command} and returns its exit code and output; throws {@link
   * CommandFailedException} when it cannot start or outlives {@code timeout} (it is then killed).
   */
  CommandResult run(List<String> command, Duration timeout);
}
