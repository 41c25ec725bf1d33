package dev.impulse.daemon;

import dev.impulse.network.PortRange;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the daemon is configured with, validated once: the constructor refuses a bad value
 * with a message naming the setting and its bound. Immutable.
 *
 * @param listenHost the API's address
 * @param listenPort the API's port (0: any free port)
 * @param dataDir durable state: functions, baseimages, chamber directories
 * @param runDir runtime state: runc's root, conmon's exit files and sockets
 * @param baseimageDir where baseimages are built and kept
 * @param portRange the ports chambers get
 * @param chamberAddress the address chambers bind their port on
 * @param memoryMb default memory limit per chamber
 * @param pids default process and thread limit per chamber
 * @param startupTimeout how long a chamber may take to become ready
 * @param stopGrace time between SIGTERM and SIGKILL when destroying
 * @param logSizeMax size at which conmon truncates a chamber's log
 * @param maxFunctionBytes largest function archive accepted
 * @param cgroupParent the cgroup chambers' cgroups are made under
 * @param healthInterval how often running chambers' {@code /healthz} is probed
 * @param unhealthyAfter probes in a row without an answer that make a chamber unhealthy
 * @param restartBackoff the first wait before a restart (doubling with each one)
 * @param maxRestartBackoff the longest wait before a restart
 * @param eventsRetained how many events are kept for {@code GET /events}
 * @param binaries where runc, conmon and mmdebstrap are
 */
public record DaemonConfig(
    String listenHost,
    int listenPort,
    Path dataDir,
    Path runDir,
    Path baseimageDir,
    PortRange portRange,
    InetAddress chamberAddress,
    long memoryMb,
    long pids,
    Duration startupTimeout,
    Duration stopGrace,
    long logSizeMax,
    long maxFunctionBytes,
    String cgroupParent,
    Duration healthInterval,
    int unhealthyAfter,
    Duration restartBackoff,
    Duration maxRestartBackoff,
    int eventsRetained,
    Binaries binaries) {

  /** The external programs. */
  public record Binaries(Path runc, Path conmon, Path mmdebstrap) {}

  public DaemonConfig {
    Objects.requireNonNull(listenHost, "listen");
    requirePort("--listen port", listenPort, 0);
    dataDir = requirePath("--data-dir", dataDir);
    runDir = requirePath("--run-dir", runDir);
    baseimageDir = requirePath("--baseimage-dir", baseimageDir);
    Objects.requireNonNull(portRange, "--port-range");
    Objects.requireNonNull(chamberAddress, "--chamber-address");
    requireAtLeast("--memory-mb", memoryMb, 8);
    requireAtLeast("--pids", pids, 8);
    requireAtLeast("--startup-timeout-ms", startupTimeout.toMillis(), 100);
    requireAtLeast("--stop-grace-ms", stopGrace.toMillis(), 0);
    requireAtLeast("--log-size-max", logSizeMax, 8192);
    requireAtLeast("--max-function-bytes", maxFunctionBytes, 1024);
    if (!cgroupParent.matches("[a-zA-Z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "--cgroup-parent must be 1 to 64 characters of letters, digits, '.', '_' and '-', not '"
              + cgroupParent
              + "'");
    }
    requireAtLeast("--health-interval-ms", healthInterval.toMillis(), 100);
    requireAtLeast("--unhealthy-after", unhealthyAfter, 1);
    requireAtLeast("--restart-backoff-ms", restartBackoff.toMillis(), 10);
    requireAtLeast(
        "--max-restart-backoff-ms", maxRestartBackoff.toMillis(), restartBackoff.toMillis());
    requireAtLeast("--events-retained", eventsRetained, 100);
    Objects.requireNonNull(binaries, "binaries");
  }

  /** Where uploaded functions are kept. */
  public Path functionsDir() {
    return dataDir.resolve("functions");
  }

  /** The drop-in directory for function archives. */
  public Path guestsDir() {
    return dataDir.resolve("guests");
  }

  /** Where each chamber's directory is. */
  public Path chambersDir() {
    return dataDir.resolve("chambers");
  }

  /** Scratch space for uploads. */
  public Path stagingDir() {
    return dataDir.resolve("tmp");
  }

  /** runc's state directory. */
  public Path runcRoot() {
    return runDir.resolve("runc");
  }

  /** conmon's exit directory. */
  public Path exitDir() {
    return runDir.resolve("exits");
  }

  /** conmon's attach-socket directory. */
  public Path socketDir() {
    return runDir.resolve("sockets");
  }

  private static void requirePort(String name, int port, int min) {
    if (port < min || port > 65535) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and 65535, not " + port);
    }
  }

  private static void requireAtLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + ", not " + value);
    }
  }

  private static Path requirePath(String name, Path path) {
    Objects.requireNonNull(path, name);
    Path absolute = path.toAbsolutePath().normalize();
    String text = absolute.toString();
    if (text.contains(",") || text.contains(":")) {
      throw new IllegalArgumentException(
          name + " must not contain ',' or ':' (overlay mount options use them): " + text);
    }
    if (text.length() > 200) {
      throw new IllegalArgumentException(name + " is longer than 200 characters: " + text);
    }
    return absolute;
  }
}
