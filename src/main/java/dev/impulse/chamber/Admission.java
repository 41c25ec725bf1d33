package dev.impulse.chamber;

/**
 * What one chamber may ask of this node: a spec over the node's per-chamber maxima ({@code
 * --max-memory-mb}, {@code --max-disk-mb}, {@code --max-cpus}, {@code --max-pids}) is refused
 * before anything is taken. The spec's own bounds (16 MiB to 1 TiB, say) only say what is
 * well-formed; these say what this machine can give. Immutable.
 */
final class Admission {
  private final ChamberSettings settings;

  Admission(ChamberSettings settings) {
    this.settings = settings;
  }

  /** Throws {@link OverLimitException} naming the first field over its limit. */
  void check(ChamberSpec spec) {
    long maxMb = settings.maxMemoryBytes() / (1024 * 1024);
    if (spec.memoryMb().isPresent() && spec.memoryMb().getAsLong() > maxMb) {
      throw new OverLimitException(
          "memoryMb", spec.memoryMb().getAsLong() + " MiB", maxMb + " MiB", "--max-memory-mb");
    }
    long maxDiskMb = settings.maxDiskBytes() / (1024 * 1024);
    if (spec.diskMb().isPresent() && spec.diskMb().getAsLong() > maxDiskMb) {
      throw new OverLimitException(
          "diskMb", spec.diskMb().getAsLong() + " MiB", maxDiskMb + " MiB", "--max-disk-mb");
    }
    if (spec.cpus().isPresent() && spec.cpus().getAsDouble() > settings.maxCpus()) {
      throw new OverLimitException(
          "cpus",
          spec.cpus().getAsDouble() + " cores",
          settings.maxCpus() + " cores",
          "--max-cpus");
    }
    if (spec.pids().isPresent() && spec.pids().getAsLong() > settings.maxPids()) {
      throw new OverLimitException(
          "pids",
          Long.toString(spec.pids().getAsLong()),
          Long.toString(settings.maxPids()),
          "--max-pids");
    }
  }
}
