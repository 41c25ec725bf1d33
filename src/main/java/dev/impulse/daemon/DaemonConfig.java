package dev.impulse.daemon;

import dev.impulse.network.PortRange;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the daemon is configured with, validated once: the constructor refuses a bad value
 * with a message naming the setting (as its flag) and its bound. Immutable. Build one with {@link
 * #builder()}, whose defaults are the documented ones ({@link Defaults}).
 *
 * @param listen where the API listens: {@code HOST:PORT} or {@code unix:PATH}
 * @param auth whether API requests need the token
 * @param apiTokenFile the token's file ({@code <data-dir>/api-token} when empty)
 * @param allowedHosts extra names a request's {@code Host} may give
 * @param maxConnections API connections at once, in all
 * @param maxConnectionsPerClient API connections at once from one client (address, IPv6 /64,
 *     loopback)
 * @param headerTimeout time a connection has to send a complete request head
 * @param idleTimeout time an idle API connection is kept
 * @param maxStreams event streams and log reads open at once
 * @param maxUploads function uploads in flight at once
 * @param dataDir durable state: functions, baseimages, chamber directories
 * @param runDir runtime state: runc's root, conmon's exit files and sockets
 * @param baseimageDir where baseimages are built and kept
 * @param portRange the ports chambers get
 * @param chamberAddress the address chambers bind their port on
 * @param memoryMb default memory per chamber (for its function; its cgroup adds its disk)
 * @param pids default process and thread limit per chamber
 * @param cpus default CPU limit per chamber (cores)
 * @param diskMb default size of a chamber's writable space ({@code /tmp}, a tmpfs)
 * @param maxMemoryMb the most memory a chamber may ask for
 * @param maxCpus the most CPU a chamber may ask for (cores)
 * @param maxPids the most processes and threads a chamber may ask for
 * @param maxDiskMb the most disk a chamber may ask for
 * @param startupTimeout how long a chamber may take to become ready
 * @param stopGrace time between SIGTERM and SIGKILL when destroying
 * @param logSizeMax size at which conmon truncates a chamber's log
 * @param maxFunctionBytes largest function archive accepted
 * @param maxFunctions function versions stored at most
 * @param cgroupParent the cgroup chambers' cgroups are made under
 * @param healthInterval how often running chambers' {@code /healthz} is probed
 * @param unhealthyAfter probes in a row without an answer that make a chamber unhealthy
 * @param restartBackoff the first wait before a restart (doubling with each one)
 * @param maxRestartBackoff the longest wait before a restart
 * @param eventsRetained how many events are kept for {@code GET /events}
 * @param endedRetained how many ended chambers are kept before the oldest are forgotten
 * @param poolSize stem cells kept ready per runtime at start (0: none)
 * @param minFreeDiskMb free space on the data file system below which creates and uploads wait
 * @param storeReserveMb space the state store keeps in reserve for a full disk
 * @param service the edge proxy and the deployments' bounds
 * @param registry registries (insecure ones, credentials) and the layer store's cap
 * @param network how chambers are networked
 * @param binaries where runc, conmon, mmdebstrap, ip and nft are
 */
public record DaemonConfig(
    Listen listen,
    Auth auth,
    Optional<Path> apiTokenFile,
    List<String> allowedHosts,
    int maxConnections,
    int maxConnectionsPerClient,
    Duration headerTimeout,
    Duration idleTimeout,
    int maxStreams,
    int maxUploads,
    Path dataDir,
    Path runDir,
    Path baseimageDir,
    PortRange portRange,
    InetAddress chamberAddress,
    long memoryMb,
    long pids,
    double cpus,
    long diskMb,
    long maxMemoryMb,
    double maxCpus,
    long maxPids,
    long maxDiskMb,
    Duration startupTimeout,
    Duration stopGrace,
    long logSizeMax,
    long maxFunctionBytes,
    int maxFunctions,
    String cgroupParent,
    Duration healthInterval,
    int unhealthyAfter,
    Duration restartBackoff,
    Duration maxRestartBackoff,
    int eventsRetained,
    int endedRetained,
    int poolSize,
    long minFreeDiskMb,
    long storeReserveMb,
    ServiceConfig service,
    RegistryConfig registry,
    Network network,
    Binaries binaries) {

  /** Whether API requests need the token. */
  public enum Auth {
    /** Every request but {@code GET /healthz} needs {@code Authorization: Bearer TOKEN}. */
    TOKEN,
    /** No token: for local development only (the daemon warns at start). */
    NONE
  }

  /**
   * Where the API listens: a TCP address, or a Unix socket (when {@code unixSocket} is present).
   *
   * @param host the TCP host (unused for a Unix socket)
   * @param port the TCP port (0: any free one)
   * @param unixSocket the socket's path
   */
  public record Listen(String host, int port, Optional<Path> unixSocket) {
    public Listen {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(unixSocket, "unixSocket");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "--listen port must be between 0 and 65535, not " + port);
      }
    }

    /** Parses {@code HOST:PORT} or {@code unix:PATH}. */
    public static Listen parse(String text) {
      if (text.startsWith("unix:")) {
        String path = text.substring("unix:".length());
        if (path.isEmpty() || !path.startsWith("/")) {
          throw new IllegalArgumentException(
              "--listen unix:PATH needs an absolute path, not '" + text + "'");
        }
        return new Listen("localhost", 0, Optional.of(Path.of(path)));
      }
      int colon = text.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "--listen must be HOST:PORT or unix:PATH, not '" + text + "'");
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        return new Listen(host, Integer.parseInt(text.substring(colon + 1)), Optional.empty());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--listen must be HOST:PORT or unix:PATH, not '" + text + "'");
      }
    }

    @Override
    public String toString() {
      return unixSocket.map(p -> "unix:" + p).orElse(host + ":" + port);
    }
  }

  /** The external programs. */
  public record Binaries(
      Path runc, Path conmon, Path mmdebstrap, Path ip, Path nft, Path conntrack) {
    public Binaries {
      Objects.requireNonNull(runc, "--runc");
      Objects.requireNonNull(conmon, "--conmon");
      Objects.requireNonNull(mmdebstrap, "--mmdebstrap");
      Objects.requireNonNull(ip, "--ip");
      Objects.requireNonNull(nft, "--nft");
      Objects.requireNonNull(conntrack, "--conntrack");
    }

    /** The documented ones. */
    public static Binaries defaults() {
      return new Binaries(
          Path.of(Defaults.RUNC),
          Path.of(Defaults.CONMON),
          Path.of(Defaults.MMDEBSTRAP),
          Path.of(Defaults.IP),
          Path.of(Defaults.NFT),
          Path.of(Defaults.CONNTRACK));
    }
  }

  /** How chambers are networked. */
  public enum NetworkMode {
    /** A network namespace per chamber on the daemon's bridge, filtered (the default). */
    BRIDGE,
    /** The host's network, shared: the proof of concept's, unsafe for untrusted functions. */
    HOST
  }

  /**
   * Chamber networking.
   *
   * @param mode bridge or host
   * @param bridge the bridge's name (bridge mode)
   * @param subnet the chambers' addresses (bridge mode)
   * @param dns name servers for chambers; empty: the host's upstream ones (bridge mode)
   * @param pool namespaces kept ready ahead of creates (bridge mode)
   * @param maxFlows connections a chamber may have tracked at once (bridge mode)
   * @param deny further IPv4 networks chambers may not reach (bridge mode)
   */
  public record Network(
      NetworkMode mode,
      String bridge,
      dev.impulse.network.Subnet subnet,
      Optional<List<InetAddress>> dns,
      int pool,
      int maxFlows,
      List<String> deny) {
    public Network {
      Objects.requireNonNull(mode, "--network");
      Objects.requireNonNull(bridge, "--bridge");
      Objects.requireNonNull(subnet, "--chamber-subnet");
      Objects.requireNonNull(dns, "--dns");
      dns = dns.map(List::copyOf);
      deny = List.copyOf(deny);
    }
  }

  public DaemonConfig {
    Objects.requireNonNull(listen, "--listen");
    Objects.requireNonNull(auth, "--auth");
    Objects.requireNonNull(apiTokenFile, "--api-token-file");
    allowedHosts = List.copyOf(allowedHosts);
    for (String host : allowedHosts) {
      if (!host.matches("[A-Za-z0-9.:_-]{1,253}")) {
        throw new IllegalArgumentException(
            "--allowed-host must be a host name or address, not '" + host + "'");
      }
    }
    requireAtLeast("--max-connections", maxConnections, 8);
    requireAtLeast("--max-connections-per-client", maxConnectionsPerClient, 2);
    requireAtLeast("--header-timeout-ms", headerTimeout.toMillis(), 100);
    requireAtLeast("--idle-timeout-ms", idleTimeout.toMillis(), 100);
    requireAtLeast("--max-streams", maxStreams, 1);
    requireAtLeast("--max-uploads", maxUploads, 1);
    dataDir = requirePath("--data-dir", dataDir);
    runDir = requirePath("--run-dir", runDir);
    baseimageDir = requirePath("--baseimage-dir", baseimageDir);
    listen.unixSocket().ifPresent(p -> requirePath("--listen unix:", p));
    Objects.requireNonNull(portRange, "--port-range");
    Objects.requireNonNull(chamberAddress, "--chamber-address");
    requireAtLeast("--memory-mb", memoryMb, 16);
    requireAtLeast("--pids", pids, 16);
    if (!(cpus >= 0.01)) {
      throw new IllegalArgumentException("--cpus must be at least 0.01, not " + cpus);
    }
    requireAtLeast("--max-memory-mb", maxMemoryMb, memoryMb);
    if (!(maxCpus >= cpus)) {
      throw new IllegalArgumentException(
          "--max-cpus must be at least --cpus (" + cpus + "), not " + maxCpus);
    }
    requireAtLeast("--max-pids", maxPids, pids);
    requireAtLeast("--disk-mb", diskMb, 16);
    requireAtLeast("--max-disk-mb", maxDiskMb, diskMb);
    requireAtLeast("--startup-timeout-ms", startupTimeout.toMillis(), 100);
    requireAtLeast("--stop-grace-ms", stopGrace.toMillis(), 0);
    requireAtLeast("--log-size-max", logSizeMax, 8192);
    requireAtLeast("--max-function-bytes", maxFunctionBytes, 1024);
    requireAtLeast("--max-functions", maxFunctions, 1);
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
    requireAtLeast("--ended-retained", endedRetained, 1);
    if (poolSize < 0 || poolSize > 64) {
      throw new IllegalArgumentException("--pool-size must be 0 to 64, not " + poolSize);
    }
    requireAtLeast("--min-free-disk-mb", minFreeDiskMb, 0);
    requireAtLeast("--store-reserve-mb", storeReserveMb, 0);
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(binaries, "binaries");
  }

  /** A builder holding the documented defaults. */
  public static DaemonConfigBuilder builder() {
    return new DaemonConfigBuilder();
  }

  /** The API token's file. */
  public Path tokenFile() {
    return apiTokenFile.orElse(dataDir.resolve("api-token"));
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
