package dev.impulse.cli;

import dev.impulse.client.DeploymentRequest;
import dev.impulse.client.FunctionPacker;
import dev.impulse.client.ImpulseClient;
import dev.impulse.daemon.Defaults;
import dev.impulse.image.Names;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code impulse deploy DIR}: packs the directory ({@link FunctionPacker}), uploads it as the
 * function version, then creates or updates the app's deployment to run it. Uploading an unchanged
 * directory again finds the version stored; changed files under a stored version are refused (a
 * version is immutable), so give them a new one.
 */
@Command(
    name = "deploy",
    description = {
      "Pack DIR, upload it as function APP VERSION, and create or update APP's deployment.",
      "Settings left out keep the daemon's defaults."
    })
final class DeployCommand implements Callable<Integer> {
  @Mixin ClientOptions options;

  // Not mixinStandardHelpOptions: its --version would take the place of the function's.
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Parameters(
      paramLabel = "DIR",
      description =
          "The function's directory: main.py, index.js, a jar or an executable skyhook at its top")
  Path dir;

  @Option(names = "--app", paramLabel = "APP", required = true, description = "The app")
  String app;

  @Option(
      names = "--version",
      paramLabel = "VERSION",
      required = true,
      description = "The function version")
  String version;

  @Option(
      names = "--runtime",
      paramLabel = "RUNTIME",
      required = true,
      description = "The runtime, such as python3.11")
  String runtime;

  @Option(
      names = "--env",
      paramLabel = "NAME=VALUE",
      description = "An environment variable of the chambers (repeat for more)")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = "--memory-mb", paramLabel = "MB", description = "Memory per chamber, MiB")
  Long memoryMb;

  @Option(names = "--cpus", paramLabel = "CORES", description = "CPU limit per chamber, cores")
  Double cpus;

  @Option(names = "--pids", paramLabel = "N", description = "Process and thread limit per chamber")
  Long pids;

  @Option(names = "--disk-mb", paramLabel = "MB", description = "Size of a chamber's /tmp, MiB")
  Long diskMb;

  @Option(
      names = "--startup-timeout-ms",
      paramLabel = "MS",
      description = "Time a chamber has to become ready")
  Long startupTimeoutMs;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description = "Requests one chamber serves at once")
  Integer concurrency;

  @Option(names = "--min-chambers", paramLabel = "N", description = "Chambers kept even when idle")
  Integer minChambers;

  @Option(names = "--max-chambers", paramLabel = "N", description = "Most chambers at once")
  Integer maxChambers;

  @Option(
      names = "--idle-timeout-ms",
      paramLabel = "MS",
      description = "Idle time after which a chamber above the minimum is removed")
  Long idleTimeoutMs;

  @Option(
      names = "--max-function-bytes",
      paramLabel = "BYTES",
      defaultValue = "${env:IMPULSE_MAX_FUNCTION_BYTES:-" + Defaults.MAX_FUNCTION_BYTES + "}",
      description =
          "Largest archive the daemon takes, as its own flag says (default: ${DEFAULT-VALUE})")
  long maxFunctionBytes;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    DeploymentRequest request = request();
    PrintWriter out = spec.commandLine().getOut();
    Path archive = Files.createTempFile("impulse-" + app + "-", ".tar.gz");
    try (ImpulseClient client = options.client()) {
      FunctionPacker.Packed packed;
      try (OutputStream file = Files.newOutputStream(archive)) {
        packed = FunctionPacker.pack(dir, file, maxFunctionBytes);
      }
      boolean stored = client.putFunction(app, version, archive);
      out.printf(
          "uploaded %s %s (%d files and directories, %d bytes packed; %s)%n",
          app, version, packed.entries(), packed.archiveBytes(), stored ? "new" : "already stored");
      out.flush();
      boolean created = client.putDeployment(app, request);
      out.printf("deployed %s %s (%s)%n", app, version, created ? "created" : "updated");
    } finally {
      Files.deleteIfExists(archive);
    }
    return 0;
  }

  /**
   * The deployment's body from the options; refuses, naming the option, what cannot be right
   * whatever the daemon's bounds (a bad name, a negative number, a minimum above the maximum).
   */
  DeploymentRequest request() {
    Names.require("--app", app);
    Names.require("--version", version);
    if (maxFunctionBytes <= 0) {
      throw new IllegalArgumentException("--max-function-bytes must be positive");
    }
    Map<String, Number> settings = new LinkedHashMap<>();
    put(settings, "memoryMb", "--memory-mb", memoryMb);
    put(settings, "cpus", "--cpus", cpus);
    put(settings, "pids", "--pids", pids);
    put(settings, "diskMb", "--disk-mb", diskMb);
    put(settings, "startupTimeoutMs", "--startup-timeout-ms", startupTimeoutMs);
    put(settings, "concurrency", "--concurrency", concurrency);
    put(settings, "minChambers", "--min-chambers", minChambers);
    put(settings, "maxChambers", "--max-chambers", maxChambers);
    put(settings, "idleTimeoutMs", "--idle-timeout-ms", idleTimeoutMs);
    if (minChambers != null && maxChambers != null && minChambers > maxChambers) {
      throw new IllegalArgumentException(
          "--min-chambers (" + minChambers + ") is more than --max-chambers (" + maxChambers + ")");
    }
    for (String name : env.keySet()) {
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException(
            "--env " + name + ": a name is letters, digits and '_', not starting with a digit");
      }
    }
    return new DeploymentRequest(version, runtime, env, settings);
  }

  private static void put(Map<String, Number> settings, String field, String option, Number value) {
    if (value == null) {
      return;
    }
    if (value.doubleValue() < 0 || Double.isNaN(value.doubleValue())) {
      throw new IllegalArgumentException(option + " must not be negative, not " + value);
    }
    settings.put(field, value);
  }
}
