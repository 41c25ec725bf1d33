package dev.impulse.cli;

import picocli.CommandLine.Command;

/** {@code impulse}: the daemon and the tools around it. */
@Command(
    name = "impulse",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A function-as-a-service node runtime on runc and conmon.",
    subcommands = {DaemonCommand.class, RuntimesCommand.class})
final class ImpulseCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
