package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.BaseimageBuildException;
import dev.impulse.image.StoredFunction;
import dev.impulse.image.UnknownFunctionException;
import dev.impulse.image.UnknownRuntimeException;
import dev.impulse.linux.CommandFailedException;
import dev.impulse.runtime.ContainerCreateException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a run and waits for it to be ready: its images, its container ({@link ChamberLauncher}),
 * then {@code GET /healthz} until it answers ({@link LifecycleEvent.Ready}) or the startup timeout
 * passes ({@link LifecycleEvent.StartFailed}). Runs on the run's own thread; "did it start" (the
 * container runs) and "is it ready" are separate steps.
 */
final class ChamberStarter {
  private static final Logger log = LoggerFactory.getLogger(ChamberStarter.class);
  static final Duration FIRST_PROBE_INTERVAL = Duration.ofMillis(5);

  /**
   * A specialised cell imports its function and binds in about a millisecond: probed sooner. A
   * refused connect costs microseconds.
   */
  static final Duration FIRST_CELL_PROBE_INTERVAL = Duration.ofMillis(1);

  static final Duration MAX_PROBE_INTERVAL = Duration.ofMillis(100);

  /**
   * Probes keep to their first interval this long, then back off to {@link #MAX_PROBE_INTERVAL}: a
   * wrapper is ready 40 ms (Python) to a few hundred (Java) after its start, and a probe that
   * backed off to 40 ms by then would leave a waiting caller (a scale from zero) up to that much
   * longer. Before the wrapper listens a probe is a refused connect: microseconds.
   */
  static final Duration STEADY_PROBING = Duration.ofSeconds(1);

  private final Images images;
  private final ChamberLauncher launcher;
  private final ContainerConfigs configs;
  private final ReadinessProbe probe;
  private final Timing timing;
  private ChamberDriver driver;
  private volatile boolean closing;

  ChamberStarter(
      Images images,
      ChamberLauncher launcher,
      ContainerConfigs configs,
      ReadinessProbe probe,
      Timing timing) {
    this.images = images;
    this.launcher = launcher;
    this.configs = configs;
    this.probe = probe;
    this.timing = timing;
  }

  /** The driver the starter reports to; set once, before the first launch. */
  void reportTo(ChamberDriver chamberDriver) {
    this.driver = chamberDriver;
  }

  /** The daemon is stopping: a start cut short now is left STARTING for the next daemon. */
  void close() {
    closing = true;
  }

  /** Starts run {@code run} of chamber {@code c} and waits for it to be ready. */
  void launch(LiveChamber c, Run run) {
    Chamber chamber = c.chamber();
    run.startup.mark("launching");
    try {
      Baseimage base = images.baseimage(chamber.spec().runtime());
      StoredFunction function = images.function(chamber.spec().function());
      run.startup.mark("images");
      c.lock.lock();
      try {
        if (!isStarting(c, run)) {
          return;
        }
        launcher.launch(chamber, Optional.of(function), base, run);
      } finally {
        c.lock.unlock();
      }
      log.info("chamber {}: container started on port {}", c.id, chamber.port());
      awaitReady(c, run);
    } catch (RuntimeException e) {
      failed(c, run, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Makes stem cell {@code cell} run {@code run} of chamber {@code c} (its first) and waits for it
   * to be ready. Its steps start while the create records the chamber: {@code recorded} says
   * whether that worked; until it does, nothing is reported (when it fails, the create removes the
   * cell once these steps ended). A cell that cannot be specialised fails the start as a cold
   * start's failure would.
   */
  void specialise(LiveChamber c, Run run, StemCell cell, CompletableFuture<Boolean> recorded) {
    Chamber chamber = c.chamber();
    try {
      StoredFunction function = images.function(chamber.spec().function());
      c.lock.lock();
      try {
        launcher.specialise(chamber, function, cell, run);
      } finally {
        c.lock.unlock();
      }
      if (!recorded.join()) {
        return;
      }
      log.info(
          "chamber {}: specialised stem cell {} on port {}", c.id, cell.name(), chamber.port());
      awaitReady(c, run, FIRST_CELL_PROBE_INTERVAL);
    } catch (RuntimeException e) {
      if (recorded.join()) {
        failed(c, run, e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      cell.control().close();
    }
  }

  private void failed(LiveChamber c, Run run, RuntimeException e) {
    if (closing) {
      log.info("chamber {}: start left to the next daemon ({})", c.id, e.getMessage());
      return;
    }
    driver.apply(c, new LifecycleEvent.StartFailed(run.number, describe(c.id, e)));
  }

  /** Probes run {@code run} until it is ready or its startup timeout passes. */
  void awaitReady(LiveChamber c, Run run) throws InterruptedException {
    awaitReady(c, run, FIRST_PROBE_INTERVAL);
  }

  private void awaitReady(LiveChamber c, Run run, Duration firstInterval)
      throws InterruptedException {
    Chamber chamber = c.chamber();
    Duration timeout = configs.startupTimeout(chamber.spec());
    long began = timing.nanoTime();
    long deadline = began + timeout.toNanos();
    long interval = firstInterval.toNanos();
    while (isStarting(c, run) && !closing) {
      if (probe.isReady(chamber.port())) {
        Lifecycle.Decision ready =
            driver.apply(c, new LifecycleEvent.Ready(run.number, timing.clock().millis()));
        if (!ready.isIgnored()) {
          run.startup.mark("ready");
        }
        return;
      }
      if (timing.nanoTime() > deadline) {
        driver.apply(
            c,
            new LifecycleEvent.StartFailed(
                run.number,
                "not ready within "
                    + timeout.toMillis()
                    + " ms: GET /healthz on port "
                    + chamber.port()
                    + " never answered 200"));
        return;
      }
      timing.sleep(Duration.ofNanos(interval));
      interval = nextProbeInterval(timing.nanoTime() - began, interval);
    }
  }

  /** The pause before the next probe, {@code probingFor} into a start. */
  static long nextProbeInterval(long probingForNanos, long interval) {
    return probingForNanos < STEADY_PROBING.toNanos()
        ? interval
        : Math.min(interval * 3 / 2, MAX_PROBE_INTERVAL.toNanos());
  }

  private static boolean isStarting(LiveChamber c, Run run) {
    return c.run() == run && c.state().status() == ChamberStatus.STARTING;
  }

  /**
   * A reason a person can act on. Failures impulse expects say what failed in their own words;
   * anything else is a fault of impulse: its details go to the daemon's log, not to the reason a
   * tenant reads.
   */
  static String describe(String id, RuntimeException e) {
    if (e instanceof ChamberLauncher.StartStepException
        || e instanceof BaseimageBuildException
        || e instanceof ContainerCreateException
        || e instanceof CommandFailedException
        || e instanceof UnknownFunctionException
        || e instanceof UnknownRuntimeException) {
      log.warn("chamber {}: start failed: {}", id, e.getMessage());
      return e.getMessage();
    }
    log.error("chamber {}: start failed unexpectedly", id, e);
    return "start failed: an internal error of impulse (its log has the details)";
  }
}
