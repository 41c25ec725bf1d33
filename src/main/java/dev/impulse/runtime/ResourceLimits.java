package dev.impulse.runtime;

import java.util.OptionalDouble;

/**
 * cgroup limits of one container.
 *
 * @param memoryBytes memory limit; the OOM killer acts inside the container beyond it
 * @param pids most processes and threads at once (stops fork bombs)
 * @param cpus fraction of one core (0.5 = half a core), or empty for no bandwidth limit
 */
public record ResourceLimits(long memoryBytes, long pids, OptionalDouble cpus) {
  /** The CFS period the CPU quota is expressed in, in microseconds. */
  public static final long CPU_PERIOD_MICROS = 100_000;

  public ResourceLimits {
    if (memoryBytes < 4L * 1024 * 1024) {
      throw new IllegalArgumentException("memory limit below 4 MiB: " + memoryBytes);
    }
    if (pids < 1) {
      throw new IllegalArgumentException("pids limit below 1: " + pids);
    }
    if (cpus.isPresent() && !(cpus.getAsDouble() > 0)) {
      throw new IllegalArgumentException("cpus must be positive: " + cpus.getAsDouble());
    }
  }

  /** The CFS quota per {@link #CPU_PERIOD_MICROS} for {@code cpus} (at least 1 ms); -1: none. */
  public long cpuQuotaMicros() {
    return cpus.isPresent()
        ? Math.max(1000, Math.round(cpus.getAsDouble() * CPU_PERIOD_MICROS))
        : -1;
  }
}
