package dev.impulse.cli;

import dev.impulse.client.ImpulseClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code impulse rm APP} removes a deployment; {@code impulse rm --chamber ID} a chamber. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Remove an app's deployment, or with --chamber destroy one chamber.",
      "The function versions stay stored."
    })
final class RmCommand implements Callable<Integer> {
  @Mixin ClientOptions options;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app whose deployment goes")
  String app;

  @Option(
      names = "--chamber",
      paramLabel = "ID",
      description = "Destroy this chamber instead (stopped, then released)")
  String chamber;

  @Override
  public Integer call() {
    if ((app == null) == (chamber == null)) {
      throw new ParameterException(
          spec.commandLine(), "name either an APP or a chamber with --chamber ID");
    }
    try (ImpulseClient client = options.client()) {
      if (chamber != null) {
        client.deleteChamber(chamber);
        spec.commandLine().getOut().println("removed chamber " + chamber);
      } else {
        client.deleteDeployment(app);
        spec.commandLine().getOut().println("removed deployment " + app);
      }
    }
    return 0;
  }
}
