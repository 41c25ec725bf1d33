package dev.impulse.daemon;

import dev.impulse.daemon.DaemonConfig.Auth;
import dev.impulse.daemon.DaemonConfig.Binaries;
import dev.impulse.daemon.DaemonConfig.Listen;
import dev.impulse.network.PortRange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Builds a {@link DaemonConfig}, starting from the documented defaults; the node-derived limits
 * ({@code --max-memory-mb}, {@code --max-cpus}, {@code --max-pids}) come from {@link MachineLimits}
 * unless set, and every maximum is raised to its default when that is larger. Not thread-safe.
 */
public final class DaemonConfigBuilder {
  private Listen listen = Listen.parse(Defaults.LISTEN);
  private Auth auth = Auth.TOKEN;
  private Optional<Path> apiTokenFile = Optional.empty();
  private List<String> allowedHosts = List.of();
  private int maxConnections = Integer.parseInt(Defaults.MAX_CONNECTIONS);
  private int maxConnectionsPerClient = Integer.parseInt(Defaults.MAX_CONNECTIONS_PER_CLIENT);
  private Duration headerTimeout = millis(Defaults.HEADER_TIMEOUT_MS);
  private Duration idleTimeout = millis(Defaults.IDLE_TIMEOUT_MS);
  private int maxStreams = Integer.parseInt(Defaults.MAX_STREAMS);
  private int maxUploads = Integer.parseInt(Defaults.MAX_UPLOADS);
  private Path dataDir = Path.of(Defaults.DATA_DIR);
  private Path runDir = Path.of(Defaults.RUN_DIR);
  private Optional<Path> baseimageDir = Optional.empty();
  private PortRange portRange = PortRange.parse(Defaults.PORT_RANGE);
  private InetAddress chamberAddress = address(Defaults.CHAMBER_ADDRESS);
  private long memoryMb = Long.parseLong(Defaults.MEMORY_MB);
  private long pids = Long.parseLong(Defaults.PIDS);
  private double cpus = Double.parseDouble(Defaults.CPUS);
  private long diskMb = Long.parseLong(Defaults.DISK_MB);
  private Optional<Long> maxMemoryMb = Optional.empty();
  private Optional<Double> maxCpus = Optional.empty();
  private Optional<Long> maxPids = Optional.empty();
  private Optional<Long> maxDiskMb = Optional.empty();
  private Duration startupTimeout = millis(Defaults.STARTUP_TIMEOUT_MS);
  private Duration stopGrace = millis(Defaults.STOP_GRACE_MS);
  private long logSizeMax = Long.parseLong(Defaults.LOG_SIZE_MAX);
  private long maxFunctionBytes = Long.parseLong(Defaults.MAX_FUNCTION_BYTES);
  private int maxFunctions = Integer.parseInt(Defaults.MAX_FUNCTIONS);
  private String cgroupParent = Defaults.CGROUP_PARENT;
  private Duration healthInterval = millis(Defaults.HEALTH_INTERVAL_MS);
  private int unhealthyAfter = Integer.parseInt(Defaults.UNHEALTHY_AFTER);
  private Duration restartBackoff = millis(Defaults.RESTART_BACKOFF_MS);
  private Duration maxRestartBackoff = millis(Defaults.MAX_RESTART_BACKOFF_MS);
  private int eventsRetained = Integer.parseInt(Defaults.EVENTS_RETAINED);
  private int endedRetained = Integer.parseInt(Defaults.ENDED_RETAINED);
  private long minFreeDiskMb = Long.parseLong(Defaults.MIN_FREE_DISK_MB);
  private long storeReserveMb = Long.parseLong(Defaults.STORE_RESERVE_MB);
  private Binaries binaries = Binaries.defaults();
  private ServiceConfig service = ServiceConfig.defaults();
  private RegistryConfig registry = RegistryConfig.defaults();
  private DaemonConfig.NetworkMode networkMode = DaemonConfig.NetworkMode.BRIDGE;
  private String bridge = Defaults.BRIDGE;
  private dev.impulse.network.Subnet chamberSubnet =
      dev.impulse.network.Subnet.parse(Defaults.CHAMBER_SUBNET);
  private Optional<List<InetAddress>> dns = Optional.empty();
  private int networkPool = Integer.parseInt(Defaults.NETWORK_POOL);
  private int poolSize = Integer.parseInt(Defaults.POOL_SIZE);
  private int chamberMaxFlows = Integer.parseInt(Defaults.CHAMBER_MAX_FLOWS);
  private List<String> chamberDeny = List.of();

  DaemonConfigBuilder() {}

  private static Duration millis(String text) {
    return Duration.ofMillis(Long.parseLong(text));
  }

  private static InetAddress address(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--chamber-address '" + text + "' is not an address");
    }
  }

  public DaemonConfigBuilder listen(String text) {
    this.listen = Listen.parse(text);
    return this;
  }

  public DaemonConfigBuilder auth(Auth auth) {
    this.auth = auth;
    return this;
  }

  public DaemonConfigBuilder apiTokenFile(Optional<Path> file) {
    this.apiTokenFile = file;
    return this;
  }

  public DaemonConfigBuilder allowedHosts(List<String> hosts) {
    this.allowedHosts = hosts;
    return this;
  }

  public DaemonConfigBuilder maxConnections(int count) {
    this.maxConnections = count;
    return this;
  }

  public DaemonConfigBuilder maxConnectionsPerClient(int count) {
    this.maxConnectionsPerClient = count;
    return this;
  }

  public DaemonConfigBuilder headerTimeout(Duration timeout) {
    this.headerTimeout = timeout;
    return this;
  }

  public DaemonConfigBuilder idleTimeout(Duration timeout) {
    this.idleTimeout = timeout;
    return this;
  }

  public DaemonConfigBuilder maxStreams(int count) {
    this.maxStreams = count;
    return this;
  }

  public DaemonConfigBuilder maxUploads(int count) {
    this.maxUploads = count;
    return this;
  }

  public DaemonConfigBuilder dataDir(Path dir) {
    this.dataDir = dir;
    return this;
  }

  public DaemonConfigBuilder runDir(Path dir) {
    this.runDir = dir;
    return this;
  }

  /** Where baseimages are; {@code <data-dir>/baseimages} when not set. */
  public DaemonConfigBuilder baseimageDir(Path dir) {
    this.baseimageDir = Optional.of(dir);
    return this;
  }

  public DaemonConfigBuilder portRange(String text) {
    try {
      this.portRange = PortRange.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--port-range: " + e.getMessage());
    }
    return this;
  }

  public DaemonConfigBuilder portRange(PortRange range) {
    this.portRange = range;
    return this;
  }

  public DaemonConfigBuilder chamberAddress(String text) {
    this.chamberAddress = address(text);
    return this;
  }

  public DaemonConfigBuilder memoryMb(long mb) {
    this.memoryMb = mb;
    return this;
  }

  public DaemonConfigBuilder pids(long count) {
    this.pids = count;
    return this;
  }

  public DaemonConfigBuilder cpus(double cores) {
    this.cpus = cores;
    return this;
  }

  public DaemonConfigBuilder diskMb(long mb) {
    this.diskMb = mb;
    return this;
  }

  public DaemonConfigBuilder maxMemoryMb(long mb) {
    this.maxMemoryMb = Optional.of(mb);
    return this;
  }

  public DaemonConfigBuilder maxCpus(double cores) {
    this.maxCpus = Optional.of(cores);
    return this;
  }

  public DaemonConfigBuilder maxPids(long count) {
    this.maxPids = Optional.of(count);
    return this;
  }

  public DaemonConfigBuilder maxDiskMb(long mb) {
    this.maxDiskMb = Optional.of(mb);
    return this;
  }

  public DaemonConfigBuilder startupTimeout(Duration timeout) {
    this.startupTimeout = timeout;
    return this;
  }

  public DaemonConfigBuilder stopGrace(Duration grace) {
    this.stopGrace = grace;
    return this;
  }

  public DaemonConfigBuilder logSizeMax(long bytes) {
    this.logSizeMax = bytes;
    return this;
  }

  public DaemonConfigBuilder maxFunctionBytes(long bytes) {
    this.maxFunctionBytes = bytes;
    return this;
  }

  public DaemonConfigBuilder maxFunctions(int count) {
    this.maxFunctions = count;
    return this;
  }

  public DaemonConfigBuilder cgroupParent(String name) {
    this.cgroupParent = name;
    return this;
  }

  public DaemonConfigBuilder healthInterval(Duration interval) {
    this.healthInterval = interval;
    return this;
  }

  public DaemonConfigBuilder unhealthyAfter(int probes) {
    this.unhealthyAfter = probes;
    return this;
  }

  public DaemonConfigBuilder restartBackoff(Duration first, Duration max) {
    this.restartBackoff = first;
    this.maxRestartBackoff = max;
    return this;
  }

  public DaemonConfigBuilder eventsRetained(int count) {
    this.eventsRetained = count;
    return this;
  }

  public DaemonConfigBuilder endedRetained(int count) {
    this.endedRetained = count;
    return this;
  }

  public DaemonConfigBuilder minFreeDiskMb(long mb) {
    this.minFreeDiskMb = mb;
    return this;
  }

  public DaemonConfigBuilder storeReserveMb(long mb) {
    this.storeReserveMb = mb;
    return this;
  }

  /** {@code bridge} or {@code host}. */
  public DaemonConfigBuilder network(String mode) {
    this.networkMode =
        switch (mode.trim().toLowerCase(java.util.Locale.ROOT)) {
          case "bridge" -> DaemonConfig.NetworkMode.BRIDGE;
          case "host" -> DaemonConfig.NetworkMode.HOST;
          default ->
              throw new IllegalArgumentException(
                  "--network must be 'bridge' (a namespace per chamber) or 'host' (shared, unsafe),"
                      + " not '"
                      + mode
                      + "'");
        };
    return this;
  }

  public DaemonConfigBuilder bridge(String name) {
    this.bridge = name;
    return this;
  }

  public DaemonConfigBuilder chamberSubnet(String cidr) {
    this.chamberSubnet = dev.impulse.network.Subnet.parse(cidr);
    return this;
  }

  /**
   * Name servers for chambers: comma-separated IP addresses, {@code none}, or blank for the host's
   * upstream ones.
   */
  public DaemonConfigBuilder dns(String servers) {
    this.dns = DnsServers.parse(servers);
    return this;
  }

  public DaemonConfigBuilder chamberMaxFlows(int flows) {
    this.chamberMaxFlows = flows;
    return this;
  }

  /** Comma-separated IPv4 networks chambers may not reach, beyond the built-in ones. */
  public DaemonConfigBuilder chamberDeny(String cidrs) {
    this.chamberDeny =
        java.util.Arrays.stream(cidrs.split(","))
            .map(String::trim)
            .filter(c -> !c.isEmpty())
            .toList();
    return this;
  }

  public DaemonConfigBuilder poolSize(int size) {
    this.poolSize = size;
    return this;
  }

  public DaemonConfigBuilder networkPool(int size) {
    this.networkPool = size;
    return this;
  }

  public DaemonConfigBuilder binaries(Binaries binaries) {
    this.binaries = binaries;
    return this;
  }

  /** The edge proxy and the deployments' bounds. */
  public DaemonConfigBuilder service(ServiceConfig config) {
    this.service = config;
    return this;
  }

  public DaemonConfigBuilder registry(RegistryConfig config) {
    this.registry = config;
    return this;
  }

  /** Validates and builds; throws {@link IllegalArgumentException} naming the bad setting. */
  public DaemonConfig build() {
    MachineLimits machine = MachineLimits.read();
    Path data = dataDir.toAbsolutePath().normalize();
    return new DaemonConfig(
        listen,
        auth,
        apiTokenFile,
        allowedHosts,
        maxConnections,
        maxConnectionsPerClient,
        headerTimeout,
        idleTimeout,
        maxStreams,
        maxUploads,
        data,
        runDir,
        baseimageDir.orElse(data.resolve("baseimages")),
        portRange,
        chamberAddress,
        memoryMb,
        pids,
        cpus,
        diskMb,
        maxMemoryMb.orElse(Math.max(memoryMb, machine.memoryMb())),
        maxCpus.orElse(Math.max(cpus, machine.cpus())),
        maxPids.orElse(Math.max(pids, machine.pids())),
        maxDiskMb.orElse(Math.max(diskMb, Long.parseLong(Defaults.MAX_DISK_MB))),
        startupTimeout,
        stopGrace,
        logSizeMax,
        maxFunctionBytes,
        maxFunctions,
        cgroupParent,
        healthInterval,
        unhealthyAfter,
        restartBackoff,
        maxRestartBackoff,
        eventsRetained,
        endedRetained,
        poolSize,
        minFreeDiskMb,
        storeReserveMb,
        service,
        registry,
        new DaemonConfig.Network(
            networkMode, bridge, chamberSubnet, dns, networkPool, chamberMaxFlows, chamberDeny),
        binaries);
  }
}
