package dev.impulse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.impulse.client.ImpulseClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code impulse images prune}: the daemon's layer store, over the API. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "The daemon's store of image layers (pulled runtimes).",
    subcommands = {ImagesCommand.Prune.class})
final class ImagesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      description = {
        "Remove the layers no pulled runtime and no mounted chamber uses.",
        "Layers in use are never removed."
      })
  static final class Prune implements Callable<Integer> {
    @Mixin ClientOptions options;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (ImpulseClient client = options.client()) {
        JsonNode answer = client.pruneImages();
        PrintWriter out = spec.commandLine().getOut();
        answer.path("removed").forEach(digest -> out.println("removed " + digest.asText()));
        out.printf(
            "removed %d layers (%.1f MB); kept %d (%.1f MB)%n",
            answer.path("removed").size(),
            answer.path("freedBytes").asLong() / 1e6,
            answer.path("kept").asInt(),
            answer.path("keptBytes").asLong() / 1e6);
      }
      return 0;
    }
  }
}
