package dev.impulse.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.api.ApiServer;
import dev.impulse.chamber.ChamberDependencies;
import dev.impulse.chamber.ChamberService;
import dev.impulse.chamber.ChamberSettings;
import dev.impulse.chamber.HttpReadinessProbe;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Mmdebstrap;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import dev.impulse.network.HostPorts;
import dev.impulse.network.PortAllocator;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ExitFiles;
import dev.impulse.runtime.ProcessCommandRunner;
import dev.impulse.runtime.Runc;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The impulse daemon: wires every part once, in dependency order, and starts serving. Closing it
 * stops the API and background work; chambers keep running.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** Uploads unpacked at once; more are refused until a flag sets it. */
  private static final int MAX_CONCURRENT_UPLOADS = 2;

  private final DaemonConfig config;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Store store;
  private final ChamberService chambers;
  private final ApiServer api;

  private Daemon(DaemonConfig config) throws IOException {
    this.config = config;
    Preflight.check(config);
    for (Path dir :
        new Path[] {
          config.dataDir(),
          config.runDir(),
          config.chambersDir(),
          config.runcRoot(),
          config.exitDir(),
          config.socketDir(),
          config.baseimageDir()
        }) {
      Files.createDirectories(dir);
    }
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
            json);

    this.store = Store.open(config.dataDir().resolve("impulse.db"));
    RuntimeCatalog catalog = RuntimeCatalog.standard();
    Baseimages baseimages =
        new Baseimages(
            config.baseimageDir(), new Mmdebstrap(config.binaries().mmdebstrap(), reaper));
    baseimages.prepare();
    FunctionStore functions =
        new FunctionStore(
            config.functionsDir(),
            config.stagingDir(),
            config.guestsDir(),
            config.maxFunctionBytes(),
            config.maxFunctionBytes() * 8,
            MAX_CONCURRENT_UPLOADS,
            store,
            clock);
    functions.open();
    PortAllocator ports =
        new PortAllocator(config.portRange(), new HostPorts(config.chamberAddress())::isFree);

    ChamberSettings settings =
        new ChamberSettings(
            config.chamberAddress(),
            config.memoryMb() * 1024 * 1024,
            config.pids(),
            config.startupTimeout(),
            config.stopGrace(),
            config.cgroupParent(),
            config.dataDir().toString(),
            config.healthInterval(),
            config.unhealthyAfter(),
            config.restartBackoff(),
            config.maxRestartBackoff(),
            config.eventsRetained());
    ChamberDependencies deps =
        new ChamberDependencies(
            catalog,
            baseimages,
            functions,
            ports,
            runc,
            conmon,
            new ExitFiles(config.exitDir()),
            reaper,
            new HttpReadinessProbe(config.chamberAddress(), Duration.ofSeconds(2)),
            settings,
            config.chambersDir(),
            store,
            json,
            clock);
    this.chambers = new ChamberService(deps);
    chambers.start();
    this.api = new ApiServer(chambers, functions, catalog, baseimages, json);
  }

  /** Starts a daemon with {@code config} and serves its API. */
  public static Daemon start(DaemonConfig config) {
    try {
      Daemon daemon = new Daemon(config);
      daemon.api.start(config.listenHost(), config.listenPort());
      log.info(
          "impulse daemon serving on http://{}:{} (data {}, ports {})",
          config.listenHost(),
          daemon.api.port(),
          config.dataDir(),
          config.portRange());
      return daemon;
    } catch (IOException e) {
      throw new UncheckedIOException("the daemon could not start: " + e.getMessage(), e);
    }
  }

  /** The port the API listens on. */
  public int apiPort() {
    return api.port();
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
    } finally {
      chambers.close();
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
