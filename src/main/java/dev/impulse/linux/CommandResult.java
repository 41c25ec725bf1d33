package dev.impulse.linux;

import java.util.List;

/** How a program ended: its exit code and what it wrote. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
  public CommandResult {
    command = List.copyOf(command);
  }

  /** True when the program exited with code 0. */
  public boolean succeeded() {
    return exitCode == 0;
  }

  /** Returns this result if it succeeded; otherwise throws with the command and its stderr. */
  public CommandResult orThrow() {
    if (!succeeded()) {
      throw new CommandFailedException(this);
    }
    return this;
  }
}
