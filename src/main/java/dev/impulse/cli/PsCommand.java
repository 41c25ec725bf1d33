package dev.impulse.cli;

import dev.impulse.client.ChamberSummary;
import dev.impulse.client.ImpulseClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code impulse ps}: the chambers, oldest first. */
@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    description = "List chambers: id, status, port, app, version and the deployment they serve.")
final class PsCommand implements Callable<Integer> {
  static final List<String> HEADER =
      List.of("ID", "STATUS", "PORT", "APP", "VERSION", "DEPLOYMENT");

  @Mixin ClientOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    try (ImpulseClient client = options.client()) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(table(client.chambers()));
      out.flush(); // print does not flush, and picocli's exit does not either
    }
    return 0;
  }

  static String table(List<ChamberSummary> chambers) {
    return Table.render(
        HEADER,
        chambers.stream()
            .map(c ->
                List.of(
                    c.id(),
                    c.status(),
                    c.port() > 0 ? Integer.toString(c.port()) : "",
                    c.app(),
                    c.version(),
                    c.deployment().orElse("")))
            .toList());
  }
}
