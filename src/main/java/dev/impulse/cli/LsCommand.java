package dev.impulse.cli;

import dev.impulse.client.DeploymentSummary;
import dev.impulse.client.ImpulseClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code impulse ls}: the deployments. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description =
        "List deployments: app, version, runtime, chambers, requests in flight and queued.")
final class LsCommand implements Callable<Integer> {
  static final List<String> HEADER =
      List.of("APP", "VERSION", "RUNTIME", "CHAMBERS", "IN-FLIGHT", "QUEUED");

  @Mixin ClientOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (ImpulseClient client = options.client()) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(table(client.deployments()));
      out.flush(); // print does not flush, and picocli's exit does not either
    }
    return 0;
  }

  static String table(List<DeploymentSummary> deployments) {
    return Table.render(
        HEADER,
        deployments.stream()
            .map(d ->
                List.of(
                    d.app(),
                    d.version(),
                    d.runtime(),
                    Integer.toString(d.chambers().size()),
                    Integer.toString(d.inFlight()),
                    Integer.toString(d.queued())))
            .toList());
  }
}
