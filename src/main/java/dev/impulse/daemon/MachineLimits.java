package dev.impulse.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The largest chamber this node should admit, derived from the machine: three quarters of its
 * memory (the rest is the host's, the daemon's and other chambers'), every CPU it has, and a
 * quarter of the kernel's pid space up to 32768 threads.
 *
 * @param memoryMb the most memory one chamber may ask for
 * @param cpus the most CPU one chamber may ask for (cores)
 * @param pids the most processes and threads one chamber may ask for
 */
record MachineLimits(long memoryMb, double cpus, long pids) {
  static final long MAX_PIDS = 32768;

  /** Reads /proc; falls back to conservative values where it cannot. */
  static MachineLimits read() {
    long totalKb = meminfoKb("MemTotal").orElse(4L * 1024 * 1024);
    long pidMax = number(Path.of("/proc/sys/kernel/pid_max")).orElse(MAX_PIDS * 4);
    return new MachineLimits(
        totalKb / 1024 * 3 / 4,
        Runtime.getRuntime().availableProcessors(),
        Math.min(MAX_PIDS, pidMax / 4));
  }

  private static OptionalLong meminfoKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith(field + ":")) {
          return OptionalLong.of(
              Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    return OptionalLong.empty();
  }

  private static OptionalLong number(Path file) {
    try {
      // Files.readString reads one byte of a /proc/sys file (it reports a size of 0): read lines
      List<String> lines = Files.readAllLines(file);
      return lines.isEmpty()
          ? OptionalLong.empty()
          : OptionalLong.of(Long.parseLong(lines.getFirst().trim()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
