package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.BaseimageBuildException;
import dev.impulse.image.StoredFunction;
import dev.impulse.runtime.CommandFailedException;
import dev.impulse.runtime.ContainerCreateException;
import dev.impulse.runtime.ContainerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives each chamber through its life: launches it, waits for its wrapper to be ready, learns of
 * its container's end and releases what it held. Separates "did it start" (the container runs) from
 * "is it ready" ({@code /healthz} answers). Thread-safe; one chamber's steps are serialised by its
 * handle's lock.
 */
final class ChamberSupervisor {
  private static final Logger log = LoggerFactory.getLogger(ChamberSupervisor.class);
  static final Duration FIRST_PROBE_INTERVAL = Duration.ofMillis(5);
  static final Duration MAX_PROBE_INTERVAL = Duration.ofMillis(100);

  private final ChamberRegistry registry;
  private final Map<String, ChamberHandle> handles;
  private final ChamberDependencies deps;
  private final ChamberLauncher launcher;
  private final ChamberTeardown teardown;

  ChamberSupervisor(
      ChamberRegistry registry,
      Map<String, ChamberHandle> handles,
      ChamberDependencies deps,
      ChamberLauncher launcher,
      ChamberTeardown teardown) {
    this.registry = registry;
    this.handles = handles;
    this.deps = deps;
    this.launcher = launcher;
    this.teardown = teardown;
  }

  /** Starts chamber {@code id} (STARTING) and waits for it to be ready; runs on its own thread. */
  void launch(String id) {
    ChamberHandle handle = handles.get(id);
    Optional<Chamber> found = registry.get(id);
    if (handle == null || found.isEmpty()) {
      return;
    }
    Chamber chamber = found.get();
    try {
      Baseimage base =
          deps.baseimages().ensureBuilt(deps.catalog().resolve(chamber.spec().runtime()));
      StoredFunction function = deps.functions().require(chamber.spec().function());
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
      String reason = describe(e);
      log.warn("chamber {}: start failed: {}", id, reason);
      failStart(id, reason);
    }
  }

  private void awaitReady(Chamber chamber) {
    long deadline = System.nanoTime() + deps.settings().startupTimeout().toNanos();
    long interval = FIRST_PROBE_INTERVAL.toNanos();
    while (isStarting(chamber.id())) {
      if (deps.probe().isReady(chamber.port())) {
        if (registry
            .transition(
                chamber.id(),
                ChamberStatus.RUNNING,
                Optional.empty(),
                Optional.empty(),
                ChamberStatus.STARTING)
            .isPresent()) {
          log.info("chamber {}: RUNNING", chamber.id());
        }
        return;
      }
      if (System.nanoTime() > deadline) {
        failStart(
            chamber.id(),
            "not ready within "
                + deps.settings().startupTimeout().toMillis()
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
   * Marks a chamber that could not start FAILED with {@code reason} and releases what it held. Its
   * container, if one was created, is killed; its exit, reported later, only adds the exit code.
   */
  void failStart(String id, String reason) {
    ChamberHandle handle = handles.get(id);
    if (handle == null) {
      return;
    }
    handle.lock.lock();
    try {
      Optional<Chamber> failed =
          registry.transition(
              id,
              ChamberStatus.FAILED,
              Optional.empty(),
              Optional.of(reason),
              ChamberStatus.STARTING,
              ChamberStatus.RUNNING);
      if (failed.isEmpty()) {
        return;
      }
      teardown.release(failed.get(), handle, true);
      if (!handle.containerCreated) {
        handle.ended.complete(-1);
      }
    } finally {
      handle.lock.unlock();
    }
  }

  /** Handles the end of chamber {@code id}'s container, which conmon recorded as {@code code}. */
  void exited(String id, int code) {
    ChamberHandle handle = handles.get(id);
    if (handle == null || handle.ended.isDone()) {
      return;
    }
    handle.lock.lock();
    try {
      Optional<Chamber> found = registry.get(id);
      if (found.isEmpty() || !handle.containerCreated || handle.ended.isDone()) {
        return;
      }
      Chamber chamber = found.get();
      ContainerFiles files = launcher.paths(id).container();
      if (chamber.status().isLive()) {
        boolean destroyed = handle.destroyRequested || chamber.status() == ChamberStatus.STOPPING;
        ExitOutcome outcome =
            ExitOutcome.of(code, Files.exists(files.oom()), terminationMessage(id), destroyed);
        registry.transition(id, outcome.status(), Optional.of(code), Optional.of(outcome.reason()));
        log.info("chamber {}: {} ({})", id, outcome.status(), outcome.reason());
      } else if (chamber.exitCode().isEmpty()) {
        registry.update(
            new Chamber(
                chamber.id(),
                chamber.spec(),
                chamber.port(),
                chamber.createdTimeMillis(),
                chamber.status(),
                Optional.of(code),
                chamber.reason()));
      }
      teardown.release(registry.get(id).orElse(chamber), handle, true);
      deps.exits().forget(id);
      handle.ended.complete(code);
    } finally {
      handle.lock.unlock();
    }
  }

  /** Catches exits whose event was missed: any live chamber with an exit file has ended. */
  void checkExits() {
    for (Map.Entry<String, ChamberHandle> entry : handles.entrySet()) {
      ChamberHandle handle = entry.getValue();
      if (handle.containerCreated && !handle.ended.isDone()) {
        OptionalInt code = deps.exits().exitCode(entry.getKey());
        if (code.isPresent()) {
          exited(entry.getKey(), code.getAsInt());
        }
      }
    }
  }

  private Optional<String> terminationMessage(String id) {
    try {
      String text = Files.readString(launcher.paths(id).terminationLog());
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
