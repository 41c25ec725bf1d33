package dev.impulse.cli;

import dev.impulse.daemon.DaemonConfigBuilder;
import dev.impulse.daemon.Defaults;
import picocli.CommandLine.Option;

/**
 * What one chamber gets unless its spec says otherwise ({@code --memory-mb}, {@code --disk-mb},
 * {@code --cpus}, {@code --pids}), and the most it may ask for ({@code --max-*}); a mixin of {@link
 * DaemonOptions}. The maxima left unset are the builder's: derived from the machine, or {@link
 * Defaults}.
 */
final class ChamberLimitOptions {
  @Option(
      names = "--memory-mb",
      defaultValue = "${env:IMPULSE_MEMORY_MB:-" + Defaults.MEMORY_MB + "}",
      description =
          "Default memory per chamber, MiB; its cgroup's limit adds its disk (default:"
              + " ${DEFAULT-VALUE})")
  long memoryMb;

  @Option(
      names = "--disk-mb",
      defaultValue = "${env:IMPULSE_DISK_MB:-" + Defaults.DISK_MB + "}",
      description =
          "Default size of a chamber's /tmp (its home, the only place it writes), MiB (default:"
              + " ${DEFAULT-VALUE})")
  long diskMb;

  @Option(
      names = "--pids",
      defaultValue = "${env:IMPULSE_PIDS:-" + Defaults.PIDS + "}",
      description = "Default process and thread limit per chamber (default: ${DEFAULT-VALUE})")
  long pids;

  @Option(
      names = "--cpus",
      defaultValue = "${env:IMPULSE_CPUS:-" + Defaults.CPUS + "}",
      description = "Default CPU limit per chamber, cores (default: ${DEFAULT-VALUE})")
  double cpus;

  @Option(
      names = "--max-memory-mb",
      defaultValue = "${env:IMPULSE_MAX_MEMORY_MB:-}",
      description = "Most memory a chamber may ask for, MiB (default: 3/4 of the machine's)")
  String maxMemoryMb;

  @Option(
      names = "--max-disk-mb",
      defaultValue = "${env:IMPULSE_MAX_DISK_MB:-}",
      description =
          "Most disk a chamber may ask for, MiB (default: "
              + Defaults.MAX_DISK_MB
              + ", or --disk-mb when larger)")
  String maxDiskMb;

  @Option(
      names = "--max-cpus",
      defaultValue = "${env:IMPULSE_MAX_CPUS:-}",
      description = "Most CPU a chamber may ask for, cores (default: the machine's CPUs)")
  String maxCpus;

  @Option(
      names = "--max-pids",
      defaultValue = "${env:IMPULSE_MAX_PIDS:-}",
      description =
          "Most processes and threads a chamber may ask for (default: min(32768, pid_max/4))")
  String maxPids;

  /** Sets these on {@code builder}; throws with the option's name on a value that is no number. */
  void applyTo(DaemonConfigBuilder builder) {
    builder.memoryMb(memoryMb).diskMb(diskMb).pids(pids).cpus(cpus);
    if (!maxMemoryMb.isBlank()) {
      builder.maxMemoryMb(parseLong("--max-memory-mb", maxMemoryMb));
    }
    if (!maxDiskMb.isBlank()) {
      builder.maxDiskMb(parseLong("--max-disk-mb", maxDiskMb));
    }
    if (!maxCpus.isBlank()) {
      builder.maxCpus(parseDouble("--max-cpus", maxCpus));
    }
    if (!maxPids.isBlank()) {
      builder.maxPids(parseLong("--max-pids", maxPids));
    }
  }

  private static long parseLong(String option, String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a whole number, not '" + text + "'");
    }
  }

  private static double parseDouble(String option, String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number, not '" + text + "'");
    }
  }
}
