package dev.impulse.chamber;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.UnknownFunctionException;
import dev.impulse.store.SpaceCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chambers: creating, listing, destroying them, their logs, stats and events. The public way
 * into the chamber package; the API calls it and nothing else of the package. Thread-safe.
 *
 * <p>A create answers as soon as the chamber is recorded STARTING (durably); its container is
 * started on a virtual thread. {@link #start} recovers what an earlier daemon left; closing the
 * service stops its background work and leaves containers running.
 */
public final class ChamberService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChamberService.class);
  static final Duration KILL_WAIT = Duration.ofSeconds(10);
  static final Duration HOUSEKEEPING_PERIOD = Duration.ofSeconds(1);
  static final Duration EVENT_TRIM_PERIOD = Duration.ofMinutes(1);

  private final ChamberParts parts;
  private final ChamberRegistry registry;
  private final ChamberEvents events;
  private final ChamberCreator creator;
  private final CellPools pools;
  private final ContainerConfigs configs;
  private final ChamberStarter starter;
  private final ChamberDriver driver;
  private final ChamberWatch watch;
  private final ChamberLogs logs;

  /**
   * Creates against function deletes: creates share it (they run in parallel), a delete takes it
   * alone, so no chamber starts on a function being deleted.
   */
  private final ReadWriteLock functionUse = new ReentrantReadWriteLock();

  private AutoCloseable exitWatcher;

  public ChamberService(ChamberDependencies deps) throws IOException {
    this(ChamberParts.of(deps));
  }

  ChamberService(ChamberParts parts) {
    this.parts = parts;
    ChamberSettings settings = parts.settings();
    this.events = new ChamberEvents(settings.eventsRetained(), parts.store()::eventsAfter);
    this.registry = new ChamberRegistry(parts.store(), parts.specs(), parts.timing().clock());
    this.configs = new ContainerConfigs(settings, parts.specs(), parts.network());
    ChamberTeardown teardown = new ChamberTeardown(parts.host(), parts.network(), parts.timing());
    ChamberLauncher launcher = new ChamberLauncher(parts.host(), configs);
    this.starter =
        new ChamberStarter(parts.images(), launcher, configs, parts.probe(), parts.timing());
    CellFactory cells =
        new CellFactory(
            parts.images(),
            parts.network(),
            launcher,
            teardown,
            parts.host(),
            configs,
            settings,
            parts.timing());
    this.pools = new CellPools(cells, cells.runtimes(true), settings.poolSize());
    this.driver =
        new ChamberDriver(
            registry,
            parts.host(),
            teardown,
            parts.timing(),
            parts.work(),
            new Lifecycle.Rules(settings.unhealthyAfter(), settings::backoff),
            starter::launch);
    starter.reportTo(driver);
    this.watch =
        new ChamberWatch(
            registry,
            driver,
            parts.host(),
            teardown,
            parts.probe(),
            parts.timing(),
            parts.work(),
            settings.endedRetained());
    this.logs = new ChamberLogs(parts.timing());
    this.creator =
        new ChamberCreator(parts, registry, pools, cells, starter, functionUse.readLock());
  }

  /**
   * Recovers the chambers an earlier daemon left (see {@link ChamberRecovery} for the rule), then
   * watches exits and starts the periodic work. Call before serving the API.
   */
  public void start() throws IOException {
    events.load(parts.store().lastEvents(events.retained()));
    parts.store().onEvent(events::accept);
    List<Chamber> recorded = parts.store().chambers().stream().map(registry::fromRow).toList();
    ChamberRecovery.Plan plan =
        new ChamberRecovery(
                registry,
                driver,
                parts.host(),
                parts.network(),
                parts.timing(),
                new Lifecycle.Rules(parts.settings().unhealthyAfter(), parts.settings()::backoff),
                new ChamberLabels(parts.settings().daemonIdentity(), parts.specs()))
            .recover(recorded);
    // After recovery reserved the survivors' ports (and released what ended while it was away),
    // before anything starts again: their namespaces and forwarding must be in place.
    parts.network().start();
    exitWatcher = parts.host().watchExits(id -> parts.work().execute(() -> watch.exited(id)));
    watch.checkExits();
    pools.start();
    for (LiveChamber c : plan.launch()) {
      Run run = c.run();
      parts.work().execute(() -> starter.launch(c, run));
    }
    for (LiveChamber c : plan.awaitReady()) {
      Run run = c.run();
      parts.work().execute(() -> awaitReady(c, run));
    }
    Timing timing = parts.timing();
    timing.every(HOUSEKEEPING_PERIOD, "housekeeping", this::housekeeping);
    timing.every(
        parts.settings().healthInterval(),
        "health checks",
        () -> {
          watch.checkMonitors();
          watch.probeHealth();
        });
    timing.every(
        EVENT_TRIM_PERIOD,
        "event trimming",
        () -> {
          parts.store().trimEvents(events.retained());
          events.trimmed();
        });
  }

  private void awaitReady(LiveChamber c, Run run) {
    try {
      starter.awaitReady(c, run);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The periodic work of every second; each chamber's part runs on a thread of its own. */
  void housekeeping() {
    parts.host().reapOrphans();
    parts.store().maintainReserve();
    watch.checkExits();
    watch.retryLeftovers();
    watch.forgetOldEnded();
  }

  /**
   * Creates a chamber for {@code spec}: checks the runtime and the function, takes a port, records
   * the chamber STARTING and starts it in the background. Throws {@link OverLimitException}, {@link
   * dev.impulse.image.UnknownRuntimeException}, {@link UnknownFunctionException}, {@link
   * dev.impulse.store.DiskFullException} or {@link dev.impulse.network.PortsExhaustedException};
   * none of them leaves anything behind.
   */
  public Chamber create(ChamberSpec spec) {
    return creator.create(spec, Optional.empty());
  }

  /**
   * Checks that chambers of {@code spec} could be created: its limits within the daemon's, its
   * runtime known and its function stored. Throws as {@link #create} does.
   */
  public void check(ChamberSpec spec) {
    creator.check(spec);
  }

  /** As {@link #create(ChamberSpec)}, for a chamber that serves {@code deployment}. */
  public Chamber create(ChamberSpec spec, String deployment) {
    return creator.create(spec, Optional.of(deployment));
  }

  /**
   * The chamber's own address with bridge networking while it holds its port (live, or waiting to
   * start again); empty with host networking or once it ended for good.
   */
  public Optional<java.net.InetAddress> address(Chamber chamber) {
    boolean holds = chamber.status().isLive() || Lifecycle.willRestart(chamber);
    return holds ? parts.network().address(chamber.port()) : Optional.empty();
  }

  /** Every chamber, oldest first. */
  public List<Chamber> list() {
    return registry.list();
  }

  /** The chamber with this id. */
  public Chamber get(String id) {
    return registry.get(id).orElseThrow(() -> new ChamberNotFoundException(id));
  }

  /** The chamber with this id, if there is one. */
  public Optional<Chamber> find(String id) {
    return registry.get(id);
  }

  private LiveChamber live(String id) {
    return registry.live(id).orElseThrow(() -> new ChamberNotFoundException(id));
  }

  /** When each step of the chamber's latest start happened. */
  public List<StartupStep> startup(String id) {
    return live(id).run().startup.steps();
  }

  /** The stem cell the chamber's latest run took over, or empty when it started cold. */
  public Optional<String> startedFrom(String id) {
    return Optional.ofNullable(live(id).run().cell);
  }

  /** The check that refuses space-taking work while the data file system is full. */
  public SpaceCheck space() {
    return parts.space();
  }

  /** Each runtime's pool of stem cells. */
  public java.util.Map<String, PoolState> pools() {
    return pools.states();
  }

  /**
   * Sets the size of {@code runtime}'s pool (0 to {@link CellPools#MAX_SIZE}); returns its state.
   * Throws {@link dev.impulse.image.UnknownRuntimeException}, or {@link InvalidSpecException} for a
   * runtime without stem cells.
   */
  public PoolState resizePool(String runtime, int size) {
    String name = parts.images().runtime(runtime).name();
    pools.resize(name, size);
    return pools.states().get(name);
  }

  /** The event log. */
  public ChamberEvents events() {
    return events;
  }

  /**
   * Destroys chamber {@code id}: SIGTERM, the grace period, SIGKILL; then releases its container,
   * mount, files and port and forgets it. Returns when all is done; throws {@link
   * TeardownIncompleteException} when something could not be released (a retry goes on). Its
   * STOPPING status is durable, so a daemon killed meanwhile finishes the destroy when it starts.
   */
  public void destroy(String id) {
    LiveChamber c = live(id);
    Lifecycle.Decision decision = driver.apply(c, LifecycleEvent.DestroyRequested.byClient());
    if (decision.has(Lifecycle.Effect.STOP)) {
      stop(c);
    } else if (decision.isIgnored()) {
      awaitOtherDestroy(c);
    }
    if (!c.forgotten.isDone()) {
      throw new TeardownIncompleteException(id, c.chamber().reason().orElse("it is still there"));
    }
    log.info("chamber {}: destroyed", id);
  }

  /** SIGTERM, the grace period, SIGKILL, then the run is over and the chamber forgotten. */
  private void stop(LiveChamber c) {
    Run run = c.run();
    Duration grace = parts.settings().stopGrace();
    try {
      if (run.containerCreated && !run.ended.isDone()) {
        parts.host().kill(c.container, "TERM");
        if (!parts.timing().await(run.ended, grace)) {
          log.info(
              "chamber {}: still running after {} ms; sending SIGKILL", c.id, grace.toMillis());
          parts.host().kill(c.container, "KILL");
          if (!parts.timing().await(run.ended, KILL_WAIT)) {
            log.warn(
                "chamber {}: no exit reported {} s after SIGKILL", c.id, KILL_WAIT.toSeconds());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("chamber {}: stopping it failed: {}", c.id, e.getMessage());
    }
    driver.apply(c, new LifecycleEvent.Stopped(run.number, Lifecycle.DESTROYED));
  }

  /** Another destroy of the same chamber is under way: its outcome is this one's. */
  private void awaitOtherDestroy(LiveChamber c) {
    Duration bound =
        parts
            .settings()
            .stopGrace()
            .plus(KILL_WAIT)
            .plus(ChamberTeardown.MONITOR_WAIT)
            .plus(Duration.ofSeconds(5));
    try {
      parts.timing().await(c.forgotten, bound);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Passes the chamber's last {@code tail} lines (all when negative) to {@code sink}. */
  public void logs(String id, int tail, LogSink sink) throws IOException {
    logs.copy(logFile(id), tail, sink);
  }

  /**
   * Passes the chamber's last {@code tail} lines (all when negative), then every new line as it is
   * written, until the chamber has ended and its log is read to the end, or {@code sink} throws
   * (its client left).
   */
  public void followLogs(String id, int tail, LogSink sink)
      throws IOException, InterruptedException {
    Path file = logFile(id);
    logs.follow(
        file, tail, () -> registry.get(id).map(c -> c.status().isTerminal()).orElse(true), sink);
  }

  private Path logFile(String id) {
    return ChamberPaths.of(parts.chambersDir(), live(id).container).container().log();
  }

  /**
   * Memory, CPU and process counts from the chamber's cgroup; throws {@link
   * ChamberNotRunningException} when it has no container now.
   */
  public ChamberStats stats(String id) {
    LiveChamber c = live(id);
    Chamber chamber = c.chamber();
    if (!chamber.status().isLive() || !c.run().containerCreated) {
      throw new ChamberNotRunningException(chamber);
    }
    return parts
        .host()
        .stats(c.container)
        .orElseThrow(() -> new ChamberNotRunningException(chamber));
  }

  /** Deletes an uploaded function version; refused while chambers run it or will restart on it. */
  public void deleteFunction(FunctionRef ref) {
    functionUse.writeLock().lock();
    try {
      List<String> users =
          registry.all().stream()
              .filter(c -> c.chamber().spec().function().equals(ref))
              .filter(c -> c.state().status().isLive() || c.state().restartPending())
              .map(c -> c.id)
              .sorted()
              .toList();
      if (!users.isEmpty()) {
        throw new FunctionInUseException(ref, users);
      }
      if (!parts.images().deleteFunction(ref)) {
        throw new UnknownFunctionException(ref);
      }
    } finally {
      functionUse.writeLock().unlock();
    }
  }

  /** Stops background work; chambers keep running. */
  @Override
  public void close() {
    starter.close();
    pools.close();
    if (parts.timing() instanceof AutoCloseable timer) {
      closeQuietly(timer);
    }
    if (exitWatcher != null) {
      closeQuietly(exitWatcher);
    }
    parts.work().shutdownNow();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.warn("closing {} failed: {}", closeable.getClass().getSimpleName(), e.toString());
    }
  }
}
