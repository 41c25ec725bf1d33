package dev.impulse.chamber;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Daemon-wide chamber settings and defaults, validated once at start-up.
 *
 * @param bindAddress the address each wrapper binds its port on
 * @param memoryBytes the default memory for a chamber's function
 * @param pids the default limit of processes and threads
 * @param cpus the default CPU limit (cores)
 * @param diskBytes the default size of what a chamber's function may write ({@code /tmp})
 * @param maxMemoryBytes the most memory a chamber may ask for
 * @param maxCpus the most CPU a chamber may ask for (cores)
 * @param maxPids the most processes and threads a chamber may ask for
 * @param maxDiskBytes the most disk a chamber may ask for
 * @param startupTimeout the default time from container start to readiness
 * @param stopGrace how long a destroyed chamber gets between SIGTERM and SIGKILL
 * @param cgroupParent the cgroup every chamber's cgroup is made under
 * @param daemonIdentity labels every container this daemon makes (its data directory)
 * @param healthInterval how often running chambers are probed
 * @param unhealthyAfter probes in a row without a 200 that make a chamber unhealthy
 * @param restartBackoff the first wait before a restart; it doubles with each restart
 * @param maxRestartBackoff the longest wait before a restart
 * @param eventsRetained how many events {@code GET /events} can replay
 * @param endedRetained how many ended chambers are kept before the oldest are forgotten
 * @param poolSize how many stem cells each runtime's pool keeps ready at start (0: no pools)
 */
public record ChamberSettings(
    InetAddress bindAddress,
    long memoryBytes,
    long pids,
    double cpus,
    long diskBytes,
    long maxMemoryBytes,
    double maxCpus,
    long maxPids,
    long maxDiskBytes,
    Duration startupTimeout,
    Duration stopGrace,
    String cgroupParent,
    String daemonIdentity,
    Duration healthInterval,
    int unhealthyAfter,
    Duration restartBackoff,
    Duration maxRestartBackoff,
    int eventsRetained,
    int endedRetained,
    int poolSize) {
  public ChamberSettings {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(startupTimeout, "startupTimeout");
    Objects.requireNonNull(stopGrace, "stopGrace");
    Objects.requireNonNull(healthInterval, "healthInterval");
    Objects.requireNonNull(restartBackoff, "restartBackoff");
    Objects.requireNonNull(maxRestartBackoff, "maxRestartBackoff");
    if (!cgroupParent.matches("[a-zA-Z0-9._-]+")) {
      throw new IllegalArgumentException("cgroup parent must be a plain name: " + cgroupParent);
    }
    if (memoryBytes > maxMemoryBytes
        || cpus > maxCpus
        || pids > maxPids
        || diskBytes > maxDiskBytes) {
      throw new IllegalArgumentException("a default limit is over its maximum");
    }
    if (endedRetained < 1) {
      throw new IllegalArgumentException("endedRetained must be at least 1");
    }
    if (unhealthyAfter < 1) {
      throw new IllegalArgumentException("unhealthyAfter must be at least 1");
    }
    if (poolSize < 0 || poolSize > CellPools.MAX_SIZE) {
      throw new IllegalArgumentException("the pool size must be 0 to " + CellPools.MAX_SIZE);
    }
  }

  /** The wait before restart number {@code restart} (1 for the first): doubling, capped. */
  public Duration backoff(int restart) {
    long millis = restartBackoff.toMillis() << Math.min(30, Math.max(0, restart - 1));
    return Duration.ofMillis(Math.min(millis, maxRestartBackoff.toMillis()));
  }
}
