package dev.impulse.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads a container's resource use from its cgroup: cgroup v1 (memory, cpuacct, pids hierarchies)
 * or the unified v2 hierarchy, whichever runc used.
 */
public final class CgroupStats {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");
  private static final long UNLIMITED_V1 = 1L << 62;

  private CgroupStats() {}

  /**
   * A reading of one cgroup.
   *
   * @param memoryBytes memory in use now (page cache included, as the kernel charges it)
   * @param memoryPeakBytes the most in use since the container started (0 when the kernel does not
   *     record it)
   * @param memoryLimitBytes its limit (0: none)
   * @param cpuNanos CPU time used, user and system
   * @param pids processes and threads now
   * @param pidsLimit their limit (0: none)
   */
  public record Sample(
      long memoryBytes,
      long memoryPeakBytes,
      long memoryLimitBytes,
      long cpuNanos,
      long pids,
      long pidsLimit) {}

  /**
   * Reads cgroup {@code path} (such as {@code /impulse/app-1-abcde}); empty when it does not exist.
   */
  public static Optional<Sample> read(String path) {
    String relative = path.startsWith("/") ? path.substring(1) : path;
    Path v1Memory = ROOT.resolve("memory").resolve(relative);
    if (Files.isDirectory(v1Memory)) {
      Path cpu = ROOT.resolve("cpuacct").resolve(relative);
      Path pids = ROOT.resolve("pids").resolve(relative);
      long limit = number(v1Memory.resolve("memory.limit_in_bytes"));
      return Optional.of(
          new Sample(
              number(v1Memory.resolve("memory.usage_in_bytes")),
              number(v1Memory.resolve("memory.max_usage_in_bytes")),
              limit >= UNLIMITED_V1 ? 0 : limit,
              number(cpu.resolve("cpuacct.usage")),
              number(pids.resolve("pids.current")),
              number(pids.resolve("pids.max"))));
    }
    Path v2 = ROOT.resolve(relative);
    if (Files.isRegularFile(v2.resolve("memory.current"))) {
      return Optional.of(
          new Sample(
              number(v2.resolve("memory.current")),
              number(v2.resolve("memory.peak")),
              number(v2.resolve("memory.max")),
              field(v2.resolve("cpu.stat"), "usage_usec") * 1000,
              number(v2.resolve("pids.current")),
              number(v2.resolve("pids.max"))));
    }
    return Optional.empty();
  }

  /** A file holding one number; 0 when it is missing, says "max" or is not a number. */
  static long number(Path file) {
    try {
      String text = Files.readString(file).trim();
      return text.equals("max") ? 0 : Long.parseLong(text);
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /** A "name value" line of a flat keyed file such as cpu.stat; 0 when absent. */
  static long field(Path file, String name) {
    try {
      for (String line : Files.readAllLines(file)) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2 && parts[0].equals(name)) {
          return Long.parseLong(parts[1]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
