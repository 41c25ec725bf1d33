package dev.impulse.cli;

import dev.impulse.daemon.DaemonConfig;
import dev.impulse.daemon.DaemonConfigBuilder;
import dev.impulse.daemon.Defaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The daemon's settings as command-line options, each with an environment variable of the same name
 * ({@code --data-dir} and {@code IMPULSE_DATA_DIR}) and the default of {@link Defaults}; a
 * chamber's default limits and their maxima are in {@link ChamberLimitOptions}.
 */
final class DaemonOptions {
  @Option(
      names = "--listen",
      defaultValue = "${env:IMPULSE_LISTEN:-" + Defaults.LISTEN + "}",
      description = "HOST:PORT or unix:PATH the API listens on (default: ${DEFAULT-VALUE})")
  String listen;

  @Option(
      names = "--auth",
      defaultValue = "${env:IMPULSE_AUTH:-token}",
      description =
          "token (every request but GET /healthz needs the API token) or none (local development only) (default: ${DEFAULT-VALUE})")
  String auth;

  @Option(
      names = "--api-token-file",
      defaultValue = "${env:IMPULSE_API_TOKEN_FILE:-}",
      description = "File holding the API token (default: DATA-DIR/api-token, made at first start)")
  String apiTokenFile;

  @Option(
      names = "--allowed-host",
      defaultValue = "${env:IMPULSE_ALLOWED_HOST:-}",
      description =
          "Comma-separated extra names a request's Host header may give (besides the listen address and localhost)")
  String allowedHosts;

  @Option(
      names = "--max-connections",
      defaultValue = "${env:IMPULSE_MAX_CONNECTIONS:-" + Defaults.MAX_CONNECTIONS + "}",
      description = "API connections at once, in all (default: ${DEFAULT-VALUE})")
  int maxConnections;

  @Option(
      names = "--max-connections-per-client",
      defaultValue =
          "${env:IMPULSE_MAX_CONNECTIONS_PER_CLIENT:-" + Defaults.MAX_CONNECTIONS_PER_CLIENT + "}",
      description =
          "API connections at once from one client: an IPv4 address, an IPv6 /64, all of"
              + " loopback (default: ${DEFAULT-VALUE})")
  int maxConnectionsPerClient;

  @Option(
      names = "--header-timeout-ms",
      defaultValue = "${env:IMPULSE_HEADER_TIMEOUT_MS:-" + Defaults.HEADER_TIMEOUT_MS + "}",
      description =
          "Time a connection has to send a whole request head (default: ${DEFAULT-VALUE})")
  long headerTimeoutMs;

  @Option(
      names = "--idle-timeout-ms",
      defaultValue = "${env:IMPULSE_IDLE_TIMEOUT_MS:-" + Defaults.IDLE_TIMEOUT_MS + "}",
      description = "Time an idle API connection is kept open (default: ${DEFAULT-VALUE})")
  long idleTimeoutMs;

  @Option(
      names = "--max-streams",
      defaultValue = "${env:IMPULSE_MAX_STREAMS:-" + Defaults.MAX_STREAMS + "}",
      description = "Event streams and log reads open at once (default: ${DEFAULT-VALUE})")
  int maxStreams;

  @Option(
      names = "--max-uploads",
      defaultValue = "${env:IMPULSE_MAX_UPLOADS:-" + Defaults.MAX_UPLOADS + "}",
      description = "Function uploads in flight at once (default: ${DEFAULT-VALUE})")
  int maxUploads;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:IMPULSE_DATA_DIR:-" + Defaults.DATA_DIR + "}",
      description = "Functions, baseimages and chamber files (default: ${DEFAULT-VALUE})")
  Path dataDir;

  @Option(
      names = "--port-range",
      defaultValue = "${env:IMPULSE_PORT_RANGE:-" + Defaults.PORT_RANGE + "}",
      description = "Ports chambers are given, FIRST-LAST (default: ${DEFAULT-VALUE})")
  String portRange;

  @Option(
      names = "--run-dir",
      defaultValue = "${env:IMPULSE_RUN_DIR:-" + Defaults.RUN_DIR + "}",
      description = "runc state, conmon exit files and sockets (default: ${DEFAULT-VALUE})")
  Path runDir;

  @Option(
      names = "--baseimage-dir",
      defaultValue = "${env:IMPULSE_BASEIMAGE_DIR:-}",
      description = "Where baseimages are built (default: DATA-DIR/baseimages)")
  String baseimageDir;

  @Option(
      names = "--chamber-address",
      defaultValue = "${env:IMPULSE_CHAMBER_ADDRESS:-" + Defaults.CHAMBER_ADDRESS + "}",
      description = "Address chambers bind their port on (default: ${DEFAULT-VALUE})")
  String chamberAddress;

  @Mixin ChamberLimitOptions limits;

  @Mixin ServiceOptions service;

  @Mixin RegistryOptions registry;

  @Option(
      names = "--startup-timeout-ms",
      defaultValue = "${env:IMPULSE_STARTUP_TIMEOUT_MS:-" + Defaults.STARTUP_TIMEOUT_MS + "}",
      description = "Default time from container start to readiness (default: ${DEFAULT-VALUE})")
  long startupTimeoutMs;

  @Option(
      names = "--stop-grace-ms",
      defaultValue = "${env:IMPULSE_STOP_GRACE_MS:-" + Defaults.STOP_GRACE_MS + "}",
      description = "Time between SIGTERM and SIGKILL on destroy (default: ${DEFAULT-VALUE})")
  long stopGraceMs;

  @Option(
      names = "--log-size-max",
      defaultValue = "${env:IMPULSE_LOG_SIZE_MAX:-" + Defaults.LOG_SIZE_MAX + "}",
      description = "Bytes at which a chamber's log is truncated (default: ${DEFAULT-VALUE})")
  long logSizeMax;

  @Option(
      names = "--max-function-bytes",
      defaultValue = "${env:IMPULSE_MAX_FUNCTION_BYTES:-" + Defaults.MAX_FUNCTION_BYTES + "}",
      description = "Largest function archive accepted (default: ${DEFAULT-VALUE})")
  long maxFunctionBytes;

  @Option(
      names = "--max-functions",
      defaultValue = "${env:IMPULSE_MAX_FUNCTIONS:-" + Defaults.MAX_FUNCTIONS + "}",
      description = "Function versions stored at most (default: ${DEFAULT-VALUE})")
  int maxFunctions;

  @Option(
      names = "--cgroup-parent",
      defaultValue = "${env:IMPULSE_CGROUP_PARENT:-" + Defaults.CGROUP_PARENT + "}",
      description = "cgroup that chambers' cgroups are made under (default: ${DEFAULT-VALUE})")
  String cgroupParent;

  @Option(
      names = "--health-interval-ms",
      defaultValue = "${env:IMPULSE_HEALTH_INTERVAL_MS:-" + Defaults.HEALTH_INTERVAL_MS + "}",
      description = "How often running chambers are probed (default: ${DEFAULT-VALUE})")
  long healthIntervalMs;

  @Option(
      names = "--unhealthy-after",
      defaultValue = "${env:IMPULSE_UNHEALTHY_AFTER:-" + Defaults.UNHEALTHY_AFTER + "}",
      description =
          "Failed probes in a row that make a chamber unhealthy (default: ${DEFAULT-VALUE})")
  int unhealthyAfter;

  @Option(
      names = "--restart-backoff-ms",
      defaultValue = "${env:IMPULSE_RESTART_BACKOFF_MS:-" + Defaults.RESTART_BACKOFF_MS + "}",
      description = "First wait before a restart, doubling each time (default: ${DEFAULT-VALUE})")
  long restartBackoffMs;

  @Option(
      names = "--max-restart-backoff-ms",
      defaultValue =
          "${env:IMPULSE_MAX_RESTART_BACKOFF_MS:-" + Defaults.MAX_RESTART_BACKOFF_MS + "}",
      description = "Longest wait before a restart (default: ${DEFAULT-VALUE})")
  long maxRestartBackoffMs;

  @Option(
      names = "--events-retained",
      defaultValue = "${env:IMPULSE_EVENTS_RETAINED:-" + Defaults.EVENTS_RETAINED + "}",
      description = "Events kept for GET /events replay (default: ${DEFAULT-VALUE})")
  int eventsRetained;

  @Option(
      names = "--ended-retained",
      defaultValue = "${env:IMPULSE_ENDED_RETAINED:-" + Defaults.ENDED_RETAINED + "}",
      description =
          "Ended chambers kept before the oldest are forgotten (default: ${DEFAULT-VALUE})")
  int endedRetained;

  @Option(
      names = "--min-free-disk-mb",
      defaultValue = "${env:IMPULSE_MIN_FREE_DISK_MB:-" + Defaults.MIN_FREE_DISK_MB + "}",
      description =
          "Free space on the data file system below which creates and uploads are refused (507) (default: ${DEFAULT-VALUE})")
  long minFreeDiskMb;

  @Option(
      names = "--store-reserve-mb",
      defaultValue = "${env:IMPULSE_STORE_RESERVE_MB:-" + Defaults.STORE_RESERVE_MB + "}",
      description =
          "Space the state store keeps in reserve so destroys work on a full disk (default: ${DEFAULT-VALUE})")
  long storeReserveMb;

  @Option(
      names = "--runc",
      defaultValue = "${env:IMPULSE_RUNC:-" + Defaults.RUNC + "}",
      description = "The runc binary, runc 1.x (default: ${DEFAULT-VALUE})")
  Path runc;

  @Option(
      names = "--conmon",
      defaultValue = "${env:IMPULSE_CONMON:-" + Defaults.CONMON + "}",
      description = "The conmon binary (default: ${DEFAULT-VALUE})")
  Path conmon;

  @Option(
      names = "--mmdebstrap",
      defaultValue = "${env:IMPULSE_MMDEBSTRAP:-" + Defaults.MMDEBSTRAP + "}",
      description = "The mmdebstrap binary (default: ${DEFAULT-VALUE})")
  Path mmdebstrap;

  @Option(
      names = "--ip",
      defaultValue = "${env:IMPULSE_IP:-" + Defaults.IP + "}",
      description = "iproute2's ip binary (default: ${DEFAULT-VALUE})")
  Path ip;

  @Option(
      names = "--nft",
      defaultValue = "${env:IMPULSE_NFT:-" + Defaults.NFT + "}",
      description = "The nft binary of nftables (default: ${DEFAULT-VALUE})")
  Path nft;

  @Option(
      names = "--conntrack",
      defaultValue = "${env:IMPULSE_CONNTRACK:-" + Defaults.CONNTRACK + "}",
      description = "The conntrack binary of conntrack-tools (default: ${DEFAULT-VALUE})")
  Path conntrack;

  @Option(
      names = "--network",
      defaultValue = "${env:IMPULSE_NETWORK:-" + Defaults.NETWORK + "}",
      description =
          "bridge: a network namespace per chamber, reaching only the outside world; host: the"
              + " host's network, shared with every chamber (unsafe for untrusted functions)"
              + " (default: ${DEFAULT-VALUE})")
  String network;

  @Option(
      names = "--bridge",
      defaultValue = "${env:IMPULSE_BRIDGE:-" + Defaults.BRIDGE + "}",
      description = "The chambers' bridge, 1 to 9 letters and digits (default: ${DEFAULT-VALUE})")
  String bridge;

  @Option(
      names = "--chamber-subnet",
      defaultValue = "${env:IMPULSE_CHAMBER_SUBNET:-" + Defaults.CHAMBER_SUBNET + "}",
      description = "The chambers' private IPv4 subnet (default: ${DEFAULT-VALUE})")
  String chamberSubnet;

  @Option(
      names = "--dns",
      defaultValue = "${env:IMPULSE_DNS:-}",
      description =
          "Name servers for chambers, comma-separated, or none (default: the host's upstream"
              + " servers from /etc/resolv.conf, those chambers cannot reach skipped: loopback, the host's own, link-local, IPv6)")
  String dns;

  @Option(
      names = "--pool-size",
      defaultValue = "${env:IMPULSE_POOL_SIZE:-" + Defaults.POOL_SIZE + "}",
      description =
          "Stem cells (started chambers without a function) each built runtime keeps ready for"
              + " creates, 0 to 64; PUT /runtimes/NAME/pool changes it (default: ${DEFAULT-VALUE})")
  int poolSize;

  @Option(
      names = "--network-pool",
      defaultValue = "${env:IMPULSE_NETWORK_POOL:-" + Defaults.NETWORK_POOL + "}",
      description =
          "Chamber network namespaces kept ready ahead of creates (default: ${DEFAULT-VALUE})")
  int networkPool;

  @Option(
      names = "--chamber-max-flows",
      defaultValue = "${env:IMPULSE_CHAMBER_MAX_FLOWS:-" + Defaults.CHAMBER_MAX_FLOWS + "}",
      description =
          "Connections one chamber may have tracked at once; beyond it new ones are dropped"
              + " (default: ${DEFAULT-VALUE})")
  int chamberMaxFlows;

  @Option(
      names = "--chamber-deny",
      defaultValue = "${env:IMPULSE_CHAMBER_DENY:-}",
      description =
          "Further IPv4 networks chambers may not reach, comma-separated (such as the host's LAN"
              + " or internal services)")
  String chamberDeny;

  /** Validates the options into a configuration; throws with the option's name on a bad value. */
  DaemonConfig toConfig() {
    DaemonConfigBuilder builder =
        DaemonConfig.builder()
            .listen(listen)
            .auth(auth())
            .apiTokenFile(
                apiTokenFile.isBlank() ? Optional.empty() : Optional.of(Path.of(apiTokenFile)))
            .allowedHosts(
                Arrays.stream(allowedHosts.split(","))
                    .map(String::trim)
                    .filter(h -> !h.isEmpty())
                    .toList())
            .maxConnections(maxConnections)
            .maxConnectionsPerClient(maxConnectionsPerClient)
            .headerTimeout(Duration.ofMillis(headerTimeoutMs))
            .idleTimeout(Duration.ofMillis(idleTimeoutMs))
            .maxStreams(maxStreams)
            .maxUploads(maxUploads)
            .dataDir(dataDir)
            .runDir(runDir)
            .portRange(portRange)
            .chamberAddress(chamberAddress)
            .startupTimeout(Duration.ofMillis(startupTimeoutMs))
            .stopGrace(Duration.ofMillis(stopGraceMs))
            .logSizeMax(logSizeMax)
            .maxFunctionBytes(maxFunctionBytes)
            .maxFunctions(maxFunctions)
            .cgroupParent(cgroupParent)
            .healthInterval(Duration.ofMillis(healthIntervalMs))
            .unhealthyAfter(unhealthyAfter)
            .restartBackoff(
                Duration.ofMillis(restartBackoffMs), Duration.ofMillis(maxRestartBackoffMs))
            .eventsRetained(eventsRetained)
            .endedRetained(endedRetained)
            .minFreeDiskMb(minFreeDiskMb)
            .storeReserveMb(storeReserveMb)
            .network(network)
            .bridge(bridge)
            .chamberSubnet(chamberSubnet)
            .dns(dns)
            .networkPool(networkPool)
            .poolSize(poolSize)
            .chamberMaxFlows(chamberMaxFlows)
            .chamberDeny(chamberDeny)
            .binaries(new DaemonConfig.Binaries(runc, conmon, mmdebstrap, ip, nft, conntrack));
    if (!baseimageDir.isBlank()) {
      builder.baseimageDir(Path.of(baseimageDir));
    }
    limits.applyTo(builder);
    builder.service(service.toConfig());
    builder.registry(registry.toConfig());
    return builder.build();
  }

  private DaemonConfig.Auth auth() {
    return switch (auth.toLowerCase(Locale.ROOT)) {
      case "token" -> DaemonConfig.Auth.TOKEN;
      case "none" -> DaemonConfig.Auth.NONE;
      default ->
          throw new IllegalArgumentException(
              "--auth must be 'token' or 'none', not '" + auth + "'");
    };
  }
}
