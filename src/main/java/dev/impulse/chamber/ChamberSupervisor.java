package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.BaseimageBuildException;
import dev.impulse.image.StoredFunction;
import dev.impulse.runtime.CommandFailedException;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ContainerCreateException;
import dev.impulse.runtime.ContainerFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives each chamber through its life: launches it, waits for its wrapper to be ready, learns of
 * its container's end, restarts it when its policy says so, probes its health and notices when its
 * monitor dies. Separates "did it start" (the container runs) from "is it ready" ({@code /healthz}
 * answers). Thread-safe; one chamber's container steps are serialised by its handle's lock.
 */
final class ChamberSupervisor {
  private static final Logger log = LoggerFactory.getLogger(ChamberSupervisor.class);
  static final Duration FIRST_PROBE_INTERVAL = Duration.ofMillis(5);
  static final Duration MAX_PROBE_INTERVAL = Duration.ofMillis(100);
  static final int PROBES_AT_ONCE = 64;

  private final ChamberRegistry registry;
  private final Map<String, ChamberHandle> handles;
  private final ChamberDependencies deps;
  private final ChamberLauncher launcher;
  private final ChamberTeardown teardown;
  private final ScheduledExecutorService timer;
  private final Executor work;
  private final Semaphore probes = new Semaphore(PROBES_AT_ONCE);
  private volatile boolean closing;

  ChamberSupervisor(
      ChamberRegistry registry,
      Map<String, ChamberHandle> handles,
      ChamberDependencies deps,
      ChamberLauncher launcher,
      ChamberTeardown teardown,
      ScheduledExecutorService timer,
      Executor work) {
    this.registry = registry;
    this.handles = handles;
    this.deps = deps;
    this.launcher = launcher;
    this.teardown = teardown;
    this.timer = timer;
    this.work = work;
  }

  // ---- starting ----

  /** Starts chamber {@code id} (STARTING) and waits for it to be ready; runs on its own thread. */
  void launch(String id) {
    ChamberHandle handle = handles.get(id);
    Optional<Chamber> found = registry.get(id);
    if (handle == null || found.isEmpty()) {
      return;
    }
    Chamber chamber = found.get();
    handle.startup.mark("launching");
    try {
      Baseimage base =
          deps.baseimages().ensureBuilt(deps.catalog().resolve(chamber.spec().runtime()));
      StoredFunction function = deps.functions().require(chamber.spec().function());
      handle.startup.mark("images");
      handle.lock.lock();
      try {
        if (handle.destroyRequested || !isStarting(id)) {
          return;
        }
        launcher.launch(chamber, function, base, handle);
      } finally {
        handle.lock.unlock();
      }
      log.info("chamber {}: container started on port {}", id, chamber.port());
      awaitReady(chamber);
    } catch (RuntimeException e) {
      if (closing) {
        // The daemon is stopping; the chamber stays STARTING and the next daemon finishes its
        // start.
        log.info("chamber {}: start left to the next daemon ({})", id, e.getMessage());
        return;
      }
      String reason = describe(e);
      log.warn("chamber {}: start failed: {}", id, reason);
      failStart(id, reason);
    }
  }

  /** The daemon is stopping: work cut short now is left as recorded for the next daemon. */
  void close() {
    closing = true;
  }

  /**
   * Probes a starting chamber until it is ready (RUNNING) or its startup timeout passes (FAILED).
   */
  void awaitReady(Chamber chamber) {
    Duration timeout = launcher.startupTimeout(chamber.spec());
    long deadline = System.nanoTime() + timeout.toNanos();
    long interval = FIRST_PROBE_INTERVAL.toNanos();
    while (isStarting(chamber.id())) {
      if (deps.probe().isReady(chamber.port())) {
        long now = deps.clock().millis();
        registry
            .transition(
                chamber.id(),
                ChamberStatus.RUNNING,
                Optional.empty(),
                Optional.empty(),
                ChamberStatus.STARTING)
            .ifPresent(running -> {
              ChamberHandle handle = handles.get(chamber.id());
              if (handle != null) {
                handle.startup.mark("ready");
              }
              registry.touch(chamber.id(), c -> c.withHealth(Health.HEALTHY, now));
              log.info("chamber {}: RUNNING", chamber.id());
            });
        return;
      }
      if (System.nanoTime() > deadline) {
        failStart(
            chamber.id(),
            "not ready within "
                + timeout.toMillis()
                + " ms: GET /healthz on port "
                + chamber.port()
                + " never answered 200");
        return;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(interval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      interval = Math.min(interval * 3 / 2, MAX_PROBE_INTERVAL.toNanos());
    }
  }

  private boolean isStarting(String id) {
    return registry.get(id).map(c -> c.status() == ChamberStatus.STARTING).orElse(false);
  }

  /**
   * A chamber that could not start: its container, if one was created, is killed (its exit,
   * reported later, only adds the exit code), what it held is released, and it is FAILED with
   * {@code reason} (or restarted, if its policy says so).
   */
  void failStart(String id, String reason) {
    ChamberHandle handle = handles.get(id);
    if (handle == null || closing) {
      return;
    }
    handle.lock.lock();
    try {
      Optional<Chamber> chamber = registry.get(id);
      if (chamber.isEmpty() || !chamber.get().status().isLive() || handle.destroyRequested) {
        return;
      }
      finish(chamber.get(), handle, ChamberStatus.FAILED, Optional.empty(), reason);
      if (!handle.containerCreated) {
        handle.ended.complete(-1);
      }
    } finally {
      handle.lock.unlock();
    }
  }

  // ---- ending ----

  /**
   * Handles the end of chamber {@code id}'s container. The exit file is read under the chamber's
   * lock, so a stale report (of a run that was already handled) finds nothing and is ignored.
   */
  void exited(String id) {
    ChamberHandle handle = handles.get(id);
    if (handle == null) {
      return;
    }
    handle.lock.lock();
    try {
      OptionalInt code = deps.exits().exitCode(id);
      if (code.isEmpty() || !handle.containerCreated || handle.ended.isDone()) {
        return;
      }
      ended(id, handle, Optional.of(code.getAsInt()), Optional.empty());
    } finally {
      handle.lock.unlock();
    }
  }

  /**
   * The current run of chamber {@code id} ended with {@code code} (empty when nobody recorded it);
   * {@code lostReason} explains a lost exit code. Call with the handle's lock held.
   */
  void ended(String id, ChamberHandle handle, Optional<Integer> code, Optional<String> lostReason) {
    Optional<Chamber> found = registry.get(id);
    if (found.isEmpty()) {
      return;
    }
    Chamber chamber = found.get();
    ContainerFiles files = launcher.paths(id).container();
    if (chamber.status().isLive()) {
      boolean destroyed = handle.destroyRequested || chamber.status() == ChamberStatus.STOPPING;
      ExitOutcome outcome =
          code.isPresent()
              ? ExitOutcome.of(
                  code.get(), Files.exists(files.oom()), terminationMessage(id), destroyed)
              : new ExitOutcome(
                  destroyed ? ChamberStatus.STOPPED : ChamberStatus.FAILED,
                  lostReason.orElse("exit code unknown"));
      finish(chamber, handle, outcome.status(), code, outcome.reason());
    } else {
      if (chamber.exitCode().isEmpty() && code.isPresent()) {
        registry.update(id, c -> c.withExitCode(code.get()), Optional.empty());
      }
      teardown.release(chamber, handle, !willRestart(chamber));
    }
    deps.exits().forget(id);
    handle.ended.complete(code.orElse(-1));
  }

  /**
   * The one place where a run ends: records {@code status} and {@code reason}, releases what the
   * run held, and schedules a restart when the chamber's policy asks for one (keeping its port).
   */
  private void finish(
      Chamber chamber,
      ChamberHandle handle,
      ChamberStatus status,
      Optional<Integer> code,
      String reason) {
    boolean restart =
        status == ChamberStatus.FAILED
            && !handle.destroyRequested
            && chamber.spec().restartPolicy() == RestartPolicy.ON_FAILURE
            && chamber.restarts() < chamber.spec().restartLimit();
    String shown = reason;
    Duration wait = deps.settings().backoff(chamber.restarts() + 1);
    if (restart) {
      shown =
          reason
              + "; restart "
              + (chamber.restarts() + 1)
              + " of "
              + chamber.spec().restartLimit()
              + " in "
              + wait.toMillis()
              + " ms";
    } else if (status == ChamberStatus.FAILED && chamber.spec().restartLimit() > 0) {
      shown = reason + "; gave up after " + chamber.restarts() + " restart(s)";
    }
    Optional<Chamber> ended = registry.transition(chamber.id(), status, code, Optional.of(shown));
    log.info("chamber {}: {} ({})", chamber.id(), status, shown);
    teardown.release(ended.orElse(chamber), handle, !restart);
    if (restart) {
      scheduleRestart(chamber.id(), wait);
    }
  }

  /** True when a FAILED chamber is waiting to be started again by its policy. */
  static boolean willRestart(Chamber chamber) {
    return chamber.status() == ChamberStatus.FAILED
        && chamber.spec().restartPolicy() == RestartPolicy.ON_FAILURE
        && chamber.restarts() < chamber.spec().restartLimit();
  }

  void scheduleRestart(String id, Duration wait) {
    timer.schedule(() -> work.execute(() -> restart(id)), wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts a failed chamber again, same id and port, if it still wants to be. */
  private void restart(String id) {
    ChamberHandle handle = handles.get(id);
    if (handle == null) {
      return;
    }
    handle.lock.lock();
    try {
      Optional<Chamber> chamber = registry.get(id);
      if (chamber.isEmpty() || handle.destroyRequested || !willRestart(chamber.get())) {
        return;
      }
      teardown.awaitMonitorGone(id, handle);
      handle.beginRun();
      deps.exits().forget(id);
      Chamber counted = registry.update(id, Chamber::restarted, Optional.empty()).orElseThrow();
      registry.transition(
          id,
          ChamberStatus.STARTING,
          Optional.empty(),
          Optional.of(
              "restart "
                  + counted.restarts()
                  + " of "
                  + counted.spec().restartLimit()
                  + " after: "
                  + chamber.get().reason().orElse("failure")),
          ChamberStatus.FAILED);
      log.info(
          "chamber {}: restarting ({} of {})",
          id,
          counted.restarts(),
          counted.spec().restartLimit());
    } finally {
      handle.lock.unlock();
    }
    launch(id);
  }

  // ---- watching ----

  /** Catches exits whose event was missed: any chamber whose run has an exit file has ended. */
  void checkExits() {
    for (Map.Entry<String, ChamberHandle> entry : handles.entrySet()) {
      ChamberHandle handle = entry.getValue();
      if (handle.containerCreated
          && !handle.ended.isDone()
          && deps.exits().exitCode(entry.getKey()).isPresent()) {
        exited(entry.getKey());
      }
    }
  }

  /**
   * Notices runs whose conmon is gone without an exit file: nobody will record how they end, so the
   * container is killed and the chamber FAILED (its policy may restart it).
   */
  void checkMonitors() {
    for (Map.Entry<String, ChamberHandle> entry : handles.entrySet()) {
      String id = entry.getKey();
      ChamberHandle handle = entry.getValue();
      if (!handle.containerCreated || handle.ended.isDone()) {
        continue;
      }
      int pid =
          handle.conmonPid > 0
              ? handle.conmonPid
              : Conmon.readPid(launcher.paths(id).container().conmonPid()).orElse(0);
      if (pid <= 0 || Conmon.monitors(pid, id) || deps.exits().exitCode(id).isPresent()) {
        continue;
      }
      handle.lock.lock();
      try {
        if (handle.ended.isDone() || deps.exits().exitCode(id).isPresent()) {
          continue;
        }
        log.warn("chamber {}: conmon (pid {}) is gone without recording an exit", id, pid);
        deps.runc().kill(id, "KILL");
        ended(
            id,
            handle,
            Optional.empty(),
            Optional.of("its monitor (conmon) ended unexpectedly; the exit code is unknown"));
      } catch (RuntimeException e) {
        log.error("chamber {}: handling the loss of its monitor failed", id, e);
      } finally {
        handle.lock.unlock();
      }
    }
  }

  /** Probes every RUNNING chamber's {@code /healthz} once, a bounded number at a time. */
  void probeHealth() {
    for (Chamber chamber : registry.find(c -> c.status() == ChamberStatus.RUNNING)) {
      ChamberHandle handle = handles.get(chamber.id());
      if (handle == null || !probes.tryAcquire()) {
        continue;
      }
      work.execute(() -> {
        try {
          recordProbe(chamber.id(), handle, deps.probe().isReady(chamber.port()));
        } finally {
          probes.release();
        }
      });
    }
  }

  private void recordProbe(String id, ChamberHandle handle, boolean answered) {
    long now = deps.clock().millis();
    Optional<Chamber> current = registry.get(id);
    if (current.isEmpty() || current.get().status() != ChamberStatus.RUNNING) {
      return;
    }
    if (answered) {
      handle.failedProbes = 0;
      if (current.get().health() != Health.HEALTHY) {
        registry.update(
            id, c -> c.withHealth(Health.HEALTHY, now), Optional.of("GET /healthz answers again"));
      } else {
        registry.touch(id, c -> c.withHealth(Health.HEALTHY, now));
      }
      return;
    }
    handle.failedProbes++;
    if (handle.failedProbes >= deps.settings().unhealthyAfter()
        && current.get().health() != Health.UNHEALTHY) {
      long last = current.get().lastHealthyMillis();
      registry.update(
          id,
          c -> c.withHealth(Health.UNHEALTHY, c.lastHealthyMillis()),
          Optional.of(
              "GET /healthz got no answer in "
                  + handle.failedProbes
                  + " probes"
                  + (last > 0
                      ? "; it last answered at " + java.time.Instant.ofEpochMilli(last)
                      : "")));
      log.warn("chamber {}: unhealthy ({} probes without an answer)", id, handle.failedProbes);
    }
  }

  /**
   * What the wrapper (or the function) left in the termination log: its first 4 KiB, escaped. The
   * file lives on the chamber's own 16 KiB tmpfs, so it can be no larger, but it is read with a
   * bound all the same: a daemon must never load what a tenant wrote whole.
   */
  private Optional<String> terminationMessage(String id) {
    Path file = launcher.paths(id).terminationLog();
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = channel.size();
      ByteBuffer buffer = ByteBuffer.allocate(Reasons.MESSAGE_BYTES);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read up to the bound
      }
      String text = Reasons.fromBytes(buffer.array(), buffer.position(), size);
      return text.isBlank() ? Optional.empty() : Optional.of(text.strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A reason a person can act on, without stack traces. */
  static String describe(RuntimeException e) {
    if (e instanceof BaseimageBuildException
        || e instanceof ContainerCreateException
        || e instanceof CommandFailedException) {
      return e.getMessage();
    }
    return "start failed: " + e.getMessage();
  }
}
