package dev.impulse.cli;

import dev.impulse.client.ImpulseClient;
import dev.impulse.client.LogRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code impulse logs ID}: a chamber's output, streamed to stdout. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description =
        "Print a chamber's log (its stdout and stderr); with -f, follow it until it ends.")
final class LogsCommand implements Callable<Integer> {
  @Mixin ClientOptions options;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "ID", description = "The chamber")
  String id;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines until the chamber ends (or Ctrl-C)")
  boolean follow;

  @Option(
      names = "--tail",
      paramLabel = "N",
      defaultValue = "-1",
      description = "Only the last N lines (default: all)")
  int tail;

  @Option(
      names = {"-t", "--timestamps"},
      description = "Start each line with its time and stream")
  boolean timestamps;

  @Override
  public Integer call() {
    if (tail < -1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--tail must be 0 or more, not " + tail);
    }
    try (ImpulseClient client = options.client()) {
      client.logs(id, new LogRequest(tail, follow, timestamps), spec.commandLine().getOut());
    }
    return 0;
  }
}
