package dev.impulse.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * An external program failed. The message names the program, its subcommand and arguments, and
 * quotes its error output: {@code 'runc start acc-1' failed (exit 1): container not created}.
 */
public final class CommandFailedException extends RuntimeException {
  private final transient CommandResult result;

  public CommandFailedException(CommandResult result) {
    super(
        "'"
            + describe(result.command())
            + "' failed (exit "
            + result.exitCode()
            + "): "
            + firstNonBlank(result.stderr(), result.stdout(), "no output"));
    this.result = result;
  }

  public CommandFailedException(List<String> command, String problem, Throwable cause) {
    super("'" + describe(command) + "' " + problem, cause);
    this.result = null;
  }

  /** The program's stderr, or empty when it never ran. */
  public String stderr() {
    return result == null ? "" : result.stderr();
  }

  /** The command without the program's directory and global flags, for messages. */
  static String describe(List<String> command) {
    List<String> shown = new ArrayList<>();
    for (String arg : command) {
      if (!arg.startsWith("--root=")) {
        shown.add(arg);
      }
    }
    String program = shown.getFirst();
    shown.set(0, program.substring(program.lastIndexOf('/') + 1));
    return String.join(" ", shown);
  }

  private static String firstNonBlank(String... candidates) {
    for (String candidate : candidates) {
      if (candidate != null && !candidate.isBlank()) {
        String trimmed = candidate.strip();
        return trimmed.length() > 2000 ? trimmed.substring(trimmed.length() - 2000) : trimmed;
      }
    }
    return "";
  }
}
