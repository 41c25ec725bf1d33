package dev.impulse.cli;

import picocli.CommandLine.Command;

/**
 * {@code impulse}: the daemon, the tools around it, and the client subcommands that call its API
 * ({@code deploy}, {@code invoke}, {@code ls}, {@code ps}, {@code logs}, {@code rm}, {@code
 * events}).
 */
@Command(
    name = "impulse",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A function-as-a-service node runtime on runc and conmon.",
    subcommands = {
      DaemonCommand.class,
      RuntimesCommand.class,
      ImagesCommand.class,
      DeployCommand.class,
      InvokeCommand.class,
      LsCommand.class,
      PsCommand.class,
      LogsCommand.class,
      RmCommand.class,
      EventsCommand.class
    })
final class ImpulseCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
