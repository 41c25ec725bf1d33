package dev.impulse.cli;

import picocli.CommandLine;

/** The {@code impulse} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with every subcommand, ready to execute. */
  static CommandLine commandLine() {
    return new CommandLine(new ImpulseCommand())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("impulse: " + e.getMessage());
          return 1;
        });
  }
}
