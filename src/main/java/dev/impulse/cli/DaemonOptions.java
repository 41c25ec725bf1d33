package dev.impulse.cli;

import dev.impulse.daemon.DaemonConfig;
import dev.impulse.network.PortRange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The daemon's settings as command-line options, each with an environment variable of the same name
 * ({@code --data-dir} and {@code IMPULSE_DATA_DIR}) and an embedded default.
 */
final class DaemonOptions {
  @Option(
      names = "--listen",
      defaultValue = "${env:IMPULSE_LISTEN:-127.0.0.1:5000}",
      description = "HOST:PORT the API listens on (default: ${DEFAULT-VALUE})")
  String listen;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:IMPULSE_DATA_DIR:-/var/lib/impulse}",
      description = "Functions, baseimages and chamber files (default: ${DEFAULT-VALUE})")
  Path dataDir;

  @Option(
      names = "--port-range",
      defaultValue = "${env:IMPULSE_PORT_RANGE:-6000-9999}",
      description = "Ports chambers are given, FIRST-LAST (default: ${DEFAULT-VALUE})")
  String portRange;

  @Option(
      names = "--run-dir",
      defaultValue = "${env:IMPULSE_RUN_DIR:-/run/impulse}",
      description = "runc state, conmon exit files and sockets (default: ${DEFAULT-VALUE})")
  Path runDir;

  @Option(
      names = "--baseimage-dir",
      defaultValue = "${env:IMPULSE_BASEIMAGE_DIR:-}",
      description = "Where baseimages are built (default: DATA-DIR/baseimages)")
  String baseimageDir;

  @Option(
      names = "--chamber-address",
      defaultValue = "${env:IMPULSE_CHAMBER_ADDRESS:-127.0.0.1}",
      description = "Address chambers bind their port on (default: ${DEFAULT-VALUE})")
  String chamberAddress;

  @Option(
      names = "--memory-mb",
      defaultValue = "${env:IMPULSE_MEMORY_MB:-256}",
      description = "Default memory limit per chamber, MiB (default: ${DEFAULT-VALUE})")
  long memoryMb;

  @Option(
      names = "--pids",
      defaultValue = "${env:IMPULSE_PIDS:-512}",
      description = "Default process and thread limit per chamber (default: ${DEFAULT-VALUE})")
  long pids;

  @Option(
      names = "--startup-timeout-ms",
      defaultValue = "${env:IMPULSE_STARTUP_TIMEOUT_MS:-30000}",
      description = "Default time from container start to readiness (default: ${DEFAULT-VALUE})")
  long startupTimeoutMs;

  @Option(
      names = "--stop-grace-ms",
      defaultValue = "${env:IMPULSE_STOP_GRACE_MS:-5000}",
      description = "Time between SIGTERM and SIGKILL on destroy (default: ${DEFAULT-VALUE})")
  long stopGraceMs;

  @Option(
      names = "--log-size-max",
      defaultValue = "${env:IMPULSE_LOG_SIZE_MAX:-10485760}",
      description = "Bytes at which a chamber's log is truncated (default: ${DEFAULT-VALUE})")
  long logSizeMax;

  @Option(
      names = "--max-function-bytes",
      defaultValue = "${env:IMPULSE_MAX_FUNCTION_BYTES:-67108864}",
      description = "Largest function archive accepted (default: ${DEFAULT-VALUE})")
  long maxFunctionBytes;

  @Option(
      names = "--cgroup-parent",
      defaultValue = "${env:IMPULSE_CGROUP_PARENT:-impulse}",
      description = "cgroup that chambers' cgroups are made under (default: ${DEFAULT-VALUE})")
  String cgroupParent;

  @Option(
      names = "--health-interval-ms",
      defaultValue = "${env:IMPULSE_HEALTH_INTERVAL_MS:-5000}",
      description = "How often running chambers are probed (default: ${DEFAULT-VALUE})")
  long healthIntervalMs;

  @Option(
      names = "--unhealthy-after",
      defaultValue = "${env:IMPULSE_UNHEALTHY_AFTER:-3}",
      description =
          "Failed probes in a row that make a chamber unhealthy (default: ${DEFAULT-VALUE})")
  int unhealthyAfter;

  @Option(
      names = "--restart-backoff-ms",
      defaultValue = "${env:IMPULSE_RESTART_BACKOFF_MS:-1000}",
      description = "First wait before a restart, doubling each time (default: ${DEFAULT-VALUE})")
  long restartBackoffMs;

  @Option(
      names = "--max-restart-backoff-ms",
      defaultValue = "${env:IMPULSE_MAX_RESTART_BACKOFF_MS:-60000}",
      description = "Longest wait before a restart (default: ${DEFAULT-VALUE})")
  long maxRestartBackoffMs;

  @Option(
      names = "--events-retained",
      defaultValue = "${env:IMPULSE_EVENTS_RETAINED:-10000}",
      description = "Events kept for GET /events replay (default: ${DEFAULT-VALUE})")
  int eventsRetained;

  @Option(
      names = "--runc",
      defaultValue = "${env:IMPULSE_RUNC:-/usr/sbin/runc}",
      description = "The runc binary (default: ${DEFAULT-VALUE})")
  Path runc;

  @Option(
      names = "--conmon",
      defaultValue = "${env:IMPULSE_CONMON:-/usr/bin/conmon}",
      description = "The conmon binary (default: ${DEFAULT-VALUE})")
  Path conmon;

  @Option(
      names = "--mmdebstrap",
      defaultValue = "${env:IMPULSE_MMDEBSTRAP:-/usr/bin/mmdebstrap}",
      description = "The mmdebstrap binary (default: ${DEFAULT-VALUE})")
  Path mmdebstrap;

  /** Validates the options into a configuration; throws with the option's name on a bad value. */
  DaemonConfig toConfig() {
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, not '" + listen + "'");
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, not '" + listen + "'");
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(chamberAddress);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "--chamber-address '" + chamberAddress + "' is not an address");
    }
    Path data = dataDir.toAbsolutePath();
    return new DaemonConfig(
        listen.substring(0, colon),
        port,
        data,
        runDir,
        baseimageDir.isBlank() ? data.resolve("baseimages") : Path.of(baseimageDir),
        parseRange(),
        address,
        memoryMb,
        pids,
        Duration.ofMillis(startupTimeoutMs),
        Duration.ofMillis(stopGraceMs),
        logSizeMax,
        maxFunctionBytes,
        cgroupParent,
        Duration.ofMillis(healthIntervalMs),
        unhealthyAfter,
        Duration.ofMillis(restartBackoffMs),
        Duration.ofMillis(maxRestartBackoffMs),
        eventsRetained,
        new DaemonConfig.Binaries(runc, conmon, mmdebstrap));
  }

  private PortRange parseRange() {
    try {
      return PortRange.parse(portRange);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--port-range: " + e.getMessage());
    }
  }
}
