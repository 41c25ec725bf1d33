package dev.impulse.chamber;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.StoredFunction;
import dev.impulse.image.UnknownFunctionException;
import dev.impulse.runtime.CgroupStats;
import dev.impulse.runtime.ContainerLog;
import dev.impulse.runtime.ExitWatcher;
import dev.impulse.runtime.LogFollower;
import dev.impulse.store.SpaceCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
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
  static final Duration FOLLOW_POLL = Duration.ofMillis(200);

  private final ChamberDependencies deps;
  private final SpecJson specs;
  private final ChamberRegistry registry;
  private final ChamberEvents events;
  private final Map<String, ChamberHandle> handles = new ConcurrentHashMap<>();
  private final ChamberIds ids = new ChamberIds();
  private final Admission admission;
  private final ChamberLauncher launcher;
  private final ChamberTeardown teardown;
  private final ChamberSupervisor supervisor;

  /** Orders creates against function deletes, so no chamber starts on a function being deleted. */
  private final ReentrantLock functionUse = new ReentrantLock();

  private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("chamber-timer").daemon().factory());
  private ExitWatcher exitWatcher;

  public ChamberService(ChamberDependencies deps) {
    this.deps = deps;
    this.specs = new SpecJson(deps.json());
    this.admission = new Admission(deps.settings());
    this.events = new ChamberEvents(deps.settings().eventsRetained(), deps.store()::eventsAfter);
    this.registry = new ChamberRegistry(deps.store(), specs, deps.clock());
    this.launcher =
        new ChamberLauncher(
            deps.runc(),
            deps.conmon(),
            deps.cgroups(),
            deps.chambersDir(),
            deps.settings(),
            deps.json(),
            specs);
    this.teardown =
        new ChamberTeardown(deps.runc(), deps.conmon(), deps.ports(), launcher, deps.cgroups());
    this.supervisor =
        new ChamberSupervisor(registry, handles, deps, launcher, teardown, ticker, work);
  }

  /**
   * Recovers the chambers an earlier daemon left (see {@link ChamberRecovery} for the rule), then
   * watches exits and starts the periodic work. Call before serving the API.
   */
  public void start() throws IOException {
    events.load(deps.store().lastEvents(events.retained()));
    deps.store().onEvent(events::accept);
    ChamberRecovery.Plan plan =
        new ChamberRecovery(registry, handles, deps, launcher, teardown, supervisor, specs)
            .recover();
    exitWatcher =
        new ExitWatcher(deps.exits(), (id, code) -> work.execute(() -> supervisor.exited(id)));
    supervisor.checkExits();
    plan.launch().forEach(id -> work.execute(() -> supervisor.launch(id)));
    plan.awaitReady()
        .forEach(
            id -> registry.get(id).ifPresent(c -> work.execute(() -> supervisor.awaitReady(c))));
    every(HOUSEKEEPING_PERIOD, this::housekeeping);
    every(deps.settings().healthInterval(), this::watchHealth);
    every(
        EVENT_TRIM_PERIOD,
        () -> {
          deps.store().trimEvents(events.retained());
          events.trimmed();
        });
  }

  private void every(Duration period, Runnable task) {
    ticker.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.error("periodic work failed; it runs again in {} ms", period.toMillis(), e);
          }
        },
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void housekeeping() {
    deps.reaper().sweep();
    deps.store().maintainReserve();
    supervisor.checkExits();
    forgetOldEnded();
  }

  /**
   * Ended chambers keep their record and log until deleted, which a client may never do: beyond
   * {@code --ended-retained} of them the oldest are forgotten (files, record; a DELETED event says
   * why), so records and log files stay bounded.
   */
  void forgetOldEnded() {
    List<Chamber> ended =
        registry.find(c -> c.status().isTerminal() && !ChamberSupervisor.willRestart(c));
    int excess = ended.size() - deps.settings().endedRetained();
    if (excess <= 0) {
      return;
    }
    ended.stream()
        .sorted(
            java.util.Comparator.comparingLong(Chamber::createdTimeMillis)
                .thenComparing(Chamber::id))
        .limit(excess)
        .forEach(c -> forget(c.id()));
  }

  private void forget(String id) {
    ChamberHandle handle = handles.get(id);
    if (handle == null) {
      return;
    }
    handle.lock.lock();
    try {
      Optional<Chamber> chamber = registry.get(id);
      if (chamber.isEmpty() || !chamber.get().status().isTerminal() || handle.destroyRequested) {
        return;
      }
      teardown.deleteFiles(id);
      deps.exits().forget(id);
      registry.remove(
          id,
          Optional.of(
              "forgotten: more than "
                  + deps.settings().endedRetained()
                  + " ended chambers are kept (--ended-retained)"));
      handles.remove(id);
      log.info("chamber {}: forgotten (more than {} ended)", id, deps.settings().endedRetained());
    } catch (IOException | RuntimeException e) {
      log.warn("chamber {}: cannot forget it yet: {}", id, e.toString());
    } finally {
      handle.lock.unlock();
    }
  }

  private void watchHealth() {
    supervisor.checkMonitors();
    supervisor.probeHealth();
  }

  /**
   * Creates a chamber for {@code spec}: checks the runtime and the function, takes a port, records
   * the chamber STARTING and starts it in the background. Throws {@link OverLimitException}, {@link
   * dev.impulse.image.UnknownRuntimeException}, {@link UnknownFunctionException}, {@link
   * dev.impulse.store.DiskFullException} or {@link dev.impulse.network.PortsExhaustedException};
   * none of them leaves anything behind.
   */
  public Chamber create(ChamberSpec spec) {
    Instant received = deps.clock().instant();
    admission.check(spec);
    RuntimeDefinition runtime = deps.catalog().resolve(spec.runtime());
    deps.space().require("creating a chamber");
    Chamber chamber;
    functionUse.lock();
    try {
      StoredFunction function = deps.functions().require(spec.function());
      int port = deps.ports().allocate();
      try {
        String id = ids.next(spec, registry::contains);
        chamber = Chamber.starting(id, spec, port, deps.clock().millis());
        ChamberHandle handle = new ChamberHandle(deps.clock());
        handle.startup.mark("received", received);
        handles.put(id, handle);
        registry.add(chamber);
        handle.startup.mark("recorded");
        log.info(
            "chamber {}: created ({} on {}, port {}, function {})",
            id,
            spec.app() + " " + spec.version(),
            runtime.name(),
            port,
            function.digest().substring(0, 12));
      } catch (RuntimeException e) {
        deps.ports().release(port);
        throw e;
      }
    } finally {
      functionUse.unlock();
    }
    String id = chamber.id();
    work.execute(() -> supervisor.launch(id));
    return chamber;
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

  /** When each step of the chamber's latest start happened. */
  public List<StartupStep> startup(String id) {
    get(id);
    ChamberHandle handle = handles.get(id);
    return handle == null ? List.of() : handle.startup.steps();
  }

  /** The check that refuses space-taking work while the data file system is full. */
  public SpaceCheck space() {
    return deps.space();
  }

  /** The event log. */
  public ChamberEvents events() {
    return events;
  }

  /**
   * Destroys chamber {@code id}: SIGTERM, the grace period, SIGKILL; then releases its container,
   * mount, files and port and forgets it. Returns when all is done. Its STOPPING status is durable,
   * so a daemon killed meanwhile finishes the destroy when it starts again.
   */
  public void destroy(String id) {
    ChamberHandle handle = handles.get(id);
    if (handle == null) {
      throw new ChamberNotFoundException(id);
    }
    synchronized (handle) {
      if (!registry.contains(id)) {
        throw new ChamberNotFoundException(id);
      }
      boolean running;
      handle.lock.lock();
      try {
        handle.destroyRequested = true;
        registry.transition(
            id,
            ChamberStatus.STOPPING,
            Optional.empty(),
            Optional.of("destroy requested"),
            ChamberStatus.STARTING,
            ChamberStatus.RUNNING);
        running = handle.containerCreated && !handle.ended.isDone();
      } finally {
        handle.lock.unlock();
      }
      if (running) {
        stopContainer(id, handle);
      }
      handle.lock.lock();
      try {
        Chamber chamber = registry.get(id).orElseThrow(() -> new ChamberNotFoundException(id));
        if (chamber.status().isLive()) {
          chamber =
              registry
                  .transition(
                      id, ChamberStatus.STOPPED, chamber.exitCode(), Optional.of("destroyed"))
                  .orElse(chamber);
        }
        List<String> problems = teardown.release(chamber, handle, true);
        if (!problems.isEmpty()) {
          String why = "destroy incomplete: " + String.join("; ", problems);
          registry.note(id, why);
          throw new TeardownIncompleteException(id, why);
        }
        teardown.deleteFiles(id);
        deps.exits().forget(id);
        registry.remove(id, Optional.of("destroyed"));
        handles.remove(id);
        log.info("chamber {}: destroyed", id);
      } catch (IOException e) {
        String why = "destroy incomplete: cannot remove its files: " + e.getMessage();
        registry.note(id, why);
        throw new TeardownIncompleteException(id, why);
      } finally {
        handle.lock.unlock();
      }
    }
  }

  private void stopContainer(String id, ChamberHandle handle) {
    deps.runc().kill(id, "TERM");
    if (awaitEnd(handle, deps.settings().stopGrace())) {
      return;
    }
    log.info(
        "chamber {}: still running after {} ms; sending SIGKILL",
        id,
        deps.settings().stopGrace().toMillis());
    deps.runc().kill(id, "KILL");
    if (!awaitEnd(handle, KILL_WAIT)) {
      log.warn(
          "chamber {}: no exit reported {} s after SIGKILL; removing it by force",
          id,
          KILL_WAIT.toSeconds());
    }
  }

  private static boolean awaitEnd(ChamberHandle handle, Duration timeout) {
    try {
      handle.ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /**
   * Passes the chamber's stdout and stderr lines to {@code sink}: the last {@code tail} of them
   * (all when negative). Reads the log as it goes: memory does not grow with the log.
   */
  public void logs(String id, int tail, LogSink sink) throws IOException {
    ContainerLog.copy(logFile(id), tail, line -> sink.line(toLine(line)));
    sink.flush();
  }

  /**
   * Passes the chamber's last {@code tail} lines (all when negative), then every new line as it is
   * written, until the chamber has ended and its log is read to the end, or {@code sink} throws
   * (its client left).
   */
  public void followLogs(String id, int tail, LogSink sink)
      throws IOException, InterruptedException {
    LogFollower follower = new LogFollower(logFile(id));
    ContainerLog.Sink lines = line -> sink.line(toLine(line));
    follower.start(tail, lines);
    sink.flush();
    while (true) {
      boolean ended = registry.get(id).map(c -> c.status().isTerminal()).orElse(true);
      boolean more = follower.poll(lines);
      sink.flush();
      if (!more && ended) {
        return;
      }
      if (!more) {
        Thread.sleep(FOLLOW_POLL.toMillis());
      }
    }
  }

  private static LogLine toLine(ContainerLog.Line line) {
    return new LogLine(line.time(), line.stream(), line.text());
  }

  private Path logFile(String id) {
    get(id);
    return launcher.paths(id).container().log();
  }

  /**
   * Memory, CPU and process counts from the chamber's cgroup; throws {@link
   * ChamberNotRunningException} when it has no container now.
   */
  public CgroupStats.Sample stats(String id) {
    Chamber chamber = get(id);
    ChamberHandle handle = handles.get(id);
    if (!chamber.status().isLive() || handle == null || !handle.containerCreated) {
      throw new ChamberNotRunningException(chamber);
    }
    return CgroupStats.read(launcher.cgroup(id))
        .orElseThrow(() -> new ChamberNotRunningException(chamber));
  }

  /** Deletes an uploaded function version; refused while chambers run it or will restart on it. */
  public void deleteFunction(FunctionRef ref) {
    functionUse.lock();
    try {
      List<String> users =
          registry
              .find(c ->
                  c.spec().function().equals(ref)
                      && (c.status().isLive() || ChamberSupervisor.willRestart(c)))
              .stream()
              .map(Chamber::id)
              .sorted()
              .toList();
      if (!users.isEmpty()) {
        throw new FunctionInUseException(ref, users);
      }
      if (!deps.functions().delete(ref)) {
        throw new UnknownFunctionException(ref);
      }
    } finally {
      functionUse.unlock();
    }
  }

  /** Stops background work; chambers keep running. */
  @Override
  public void close() {
    supervisor.close();
    ticker.shutdownNow();
    try {
      if (exitWatcher != null) {
        exitWatcher.close();
      }
    } catch (IOException e) {
      log.warn("closing the exit watcher failed: {}", e.toString());
    }
    work.shutdownNow();
  }
}
