package dev.impulse.chamber;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Daemon-wide chamber settings, validated once at start-up.
 *
 * @param bindAddress the address each wrapper binds its port on
 * @param memoryBytes the default memory limit
 * @param pids the default limit of processes and threads
 * @param startupTimeout how long a chamber may take from container start to readiness
 * @param stopGrace how long a destroyed chamber gets between SIGTERM and SIGKILL
 * @param cgroupParent the cgroup every chamber's cgroup is made under
 * @param daemonIdentity labels every container this daemon makes (its data directory)
 */
public record ChamberSettings(
    InetAddress bindAddress,
    long memoryBytes,
    long pids,
    Duration startupTimeout,
    Duration stopGrace,
    String cgroupParent,
    String daemonIdentity) {
  public ChamberSettings {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(startupTimeout, "startupTimeout");
    Objects.requireNonNull(stopGrace, "stopGrace");
    if (!cgroupParent.matches("[a-zA-Z0-9._-]+")) {
      throw new IllegalArgumentException("cgroup parent must be a plain name: " + cgroupParent);
    }
  }
}
