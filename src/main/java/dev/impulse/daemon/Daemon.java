package dev.impulse.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.api.ApiServer;
import dev.impulse.api.ApiSettings;
import dev.impulse.chamber.ChamberDependencies;
import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.ChamberSettings;
import dev.impulse.chamber.HttpReadinessProbe;
import dev.impulse.deployment.Deployments;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Mmdebstrap;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.Runtimes;
import dev.impulse.linux.PrivateDirs;
import dev.impulse.linux.ProcessCommandRunner;
import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import dev.impulse.metrics.ServiceMetrics;
import dev.impulse.network.BridgeNetwork;
import dev.impulse.network.BridgeSettings;
import dev.impulse.network.ChamberNetwork;
import dev.impulse.network.HostNetwork;
import dev.impulse.network.HostPorts;
import dev.impulse.network.PortAllocator;
import dev.impulse.proxy.EdgeProxy;
import dev.impulse.proxy.ProxySettings;
import dev.impulse.runtime.ChamberCgroups;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ExitFiles;
import dev.impulse.runtime.Runc;
import dev.impulse.store.SpaceCheck;
import dev.impulse.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The impulse daemon: wires every part once, in dependency order, and starts serving. Closing it
 * stops the API and background work; chambers keep running.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final DaemonConfig config;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Store store;
  private final ChamberService chambers;
  private final ApiServer api;
  private final ChamberNetwork network;
  private final Deployments deployments;
  private final EdgeProxy proxy;
  private final ServiceMetrics metrics;
  private final ImageServices images;

  private Daemon(DaemonConfig config) throws IOException {
    this.config = config;
    Preflight.check(config);
    // Tenants' code, environments and root file system changes: root's alone.
    PrivateDirs.make(config.dataDir());
    PrivateDirs.make(config.chambersDir());
    // runc's state (each container's config, environment included), exit codes and attach
    // sockets: root's alone too. The run directory itself stays traversable, so an API socket
    // placed in it (mode 0660) can be reached by its group.
    Files.createDirectories(config.runDir());
    for (Path dir : new Path[] {config.runcRoot(), config.exitDir(), config.socketDir()}) {
      PrivateDirs.make(dir);
    }
    Files.createDirectories(config.baseimageDir());
    lockChannel =
        FileChannel.open(
            config.dataDir().resolve("daemon.lock"),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
    lock = lockChannel.tryLock();
    if (lock == null) {
      lockChannel.close();
      throw new IllegalStateException(
          "another impulse daemon is using "
              + config.dataDir()
              + "; stop it or pick another --data-dir");
    }
    Processes.becomeChildSubreaper();

    ObjectMapper json = Json.mapper();
    Clock clock = Clock.systemUTC();
    Reaper reaper = new Reaper();
    ProcessCommandRunner runner = new ProcessCommandRunner(reaper);
    Runc runc = new Runc(config.binaries().runc(), config.runcRoot(), runner, json);
    Conmon conmon =
        new Conmon(
            config.binaries().conmon(),
            runc,
            config.exitDir(),
            config.socketDir(),
            config.logSizeMax(),
            json,
            reaper);

    this.store =
        Store.open(config.dataDir().resolve("impulse.db"), config.storeReserveMb() * 1024 * 1024);
    SpaceCheck space =
        new SpaceCheck(
            config.dataDir(), config.minFreeDiskMb() * 1024 * 1024, store::reserveReleased);
    RuntimeCatalog catalog = RuntimeCatalog.standard();
    Baseimages baseimages =
        new Baseimages(
            config.baseimageDir(), new Mmdebstrap(config.binaries().mmdebstrap(), reaper));
    baseimages.prepare();
    this.images = ImageServices.open(config, catalog, baseimages, space, json);
    Runtimes runtimes = images.runtimes();
    FunctionStore functions =
        new FunctionStore(
            config.functionsDir(),
            config.stagingDir(),
            config.guestsDir(),
            config.maxFunctionBytes(),
            config.maxFunctionBytes() * 8,
            config.maxUploads(),
            config.maxFunctions(),
            store,
            clock);
    functions.open();
    PortAllocator ports =
        new PortAllocator(config.portRange(), new HostPorts(config.chamberAddress())::isFree);
    this.network = network(config, ports, runner);

    ChamberSettings settings =
        new ChamberSettings(
            config.chamberAddress(),
            config.memoryMb() * 1024 * 1024,
            config.pids(),
            config.cpus(),
            config.diskMb() * 1024 * 1024,
            config.maxMemoryMb() * 1024 * 1024,
            config.maxCpus(),
            config.maxPids(),
            config.maxDiskMb() * 1024 * 1024,
            config.startupTimeout(),
            config.stopGrace(),
            config.cgroupParent(),
            config.dataDir().toString(),
            config.healthInterval(),
            config.unhealthyAfter(),
            config.restartBackoff(),
            config.maxRestartBackoff(),
            config.eventsRetained(),
            config.endedRetained(),
            config.poolSize());
    ChamberDependencies deps =
        new ChamberDependencies(
            runtimes,
            baseimages,
            functions,
            network,
            runc,
            conmon,
            new ChamberCgroups(Path.of("/sys/fs/cgroup")),
            new ExitFiles(config.exitDir()),
            reaper,
            new HttpReadinessProbe(network::wrapper, Duration.ofSeconds(2)),
            settings,
            config.chambersDir(),
            store,
            space,
            json,
            clock);
    this.chambers = new ChamberService(deps);
    chambers.start();
    ServiceConfig service = config.service();
    this.metrics = new ServiceMetrics(chambers);
    this.deployments =
        new Deployments(
            chambers,
            store,
            json,
            network::wrapper,
            service.queueLength(),
            config.stopGrace(),
            metrics,
            clock);
    deployments.start();
    metrics.watch(deployments::list);
    this.proxy =
        new EdgeProxy(
            new ProxySettings(
                service.listen().host(),
                service.listen().port(),
                service.activationTimeout(),
                service.maxConnections(),
                config.maxConnectionsPerClient(),
                config.headerTimeout(),
                config.idleTimeout(),
                service.upstreamTimeout()),
            deployments,
            metrics,
            json);
    this.api =
        new ApiServer(
            apiSettings(config),
            chambers,
            functions,
            runtimes,
            baseimages,
            Optional.of(images.prune()),
            Optional.of(images.bakery(config.dataDir(), baseimages, functions)),
            Optional.of(images.imageImport(config.dataDir(), functions)),
            deployments,
            metrics::scrape,
            json);
  }

  private static ChamberNetwork network(
      DaemonConfig config, PortAllocator ports, ProcessCommandRunner runner) {
    DaemonConfig.Network network = config.network();
    if (network.mode() == DaemonConfig.NetworkMode.HOST) {
      log.warn(
          "--network host: chambers share the host's network and reach the API, other chambers"
              + " and every host service; use it only for functions you trust");
      return new HostNetwork(ports, config.chamberAddress());
    }
    return BridgeNetwork.create(
        new BridgeSettings(
            network.bridge(),
            network.subnet(),
            config.chamberAddress(),
            network.dns(),
            network.pool(),
            config.runDir().resolve("network"),
            network.maxFlows(),
            network.deny()),
        ports,
        runner,
        config.binaries().ip(),
        config.binaries().nft(),
        config.binaries().conntrack());
  }

  private static ApiSettings apiSettings(DaemonConfig config) {
    Optional<String> token =
        config.auth() == DaemonConfig.Auth.TOKEN
            ? Optional.of(
                ApiToken.loadOrCreate(config.tokenFile(), config.apiTokenFile().isPresent()))
            : Optional.empty();
    if (token.isEmpty()) {
      log.warn(
          "--auth none: the API serves anyone who can reach {} without a token; use it only for"
              + " local development",
          config.listen());
    }
    return new ApiSettings(
        config.listen().host(),
        config.listen().port(),
        config.listen().unixSocket(),
        token,
        config.allowedHosts(),
        config.maxConnections(),
        config.maxConnectionsPerClient(),
        config.headerTimeout(),
        config.idleTimeout(),
        config.maxStreams());
  }

  /** Starts a daemon with {@code config} and serves its API. */
  public static Daemon start(DaemonConfig config) {
    try {
      Daemon daemon = new Daemon(config);
      daemon.proxy.start();
      daemon.api.start();
      log.info(
          "impulse daemon serving on {} (data {}, ports {}{})",
          config.listen().unixSocket().isPresent()
              ? config.listen()
              : "http://" + config.listen().host() + ":" + daemon.api.port(),
          config.dataDir(),
          config.portRange(),
          config.auth() == DaemonConfig.Auth.TOKEN ? ", API token in " + config.tokenFile() : "");
      return daemon;
    } catch (IOException e) {
      throw new UncheckedIOException("the daemon could not start: " + e.getMessage(), e);
    }
  }

  /** The port the API listens on. */
  public int apiPort() {
    return api.port();
  }

  /** The port the edge proxy listens on. */
  public int proxyPort() {
    return proxy.port();
  }

  /** The configuration it runs with. */
  public DaemonConfig config() {
    return config;
  }

  /** The chambers (for in-process tests and tools). */
  public ChamberService chambers() {
    return chambers;
  }

  @Override
  public void close() {
    log.info("impulse daemon stopping; chambers keep running");
    try {
      api.close();
      proxy.close();
      deployments.close();
      metrics.close();
    } finally {
      chambers.close();
      images.close();
      network.close();
      store.close();
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        log.warn("releasing the data directory lock failed: {}", e.toString());
      }
    }
  }
}
