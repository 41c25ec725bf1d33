package dev.impulse.chamber;

import dev.impulse.network.ChamberNetwork;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the daemon's view back in line with the machine at start-up, before the API serves and
 * before any port is handed out. The rule, per recorded chamber and what runc says of its container
 * (README, Durability, has the same table):
 *
 * <ul>
 *   <li>STARTING or RUNNING, container running: adopted as it is (a STARTING one is probed again).
 *   <li>STARTING, container not running: its start was interrupted; what it left is released and it
 *       is started again (same id and port), with a reason saying so.
 *   <li>RUNNING, container ended: ended with the exit code conmon recorded, or FAILED with "exit
 *       code unknown" when none was (a reboot says so); its restart policy applies.
 *   <li>STARTING or RUNNING, not listed by runc but its conmon runs under another root: left alone,
 *       with a reason saying so.
 *   <li>STOPPING: its destroy was interrupted; it is finished.
 *   <li>STOPPED or FAILED: whatever remains is released; one its policy restarts is scheduled.
 * </ul>
 *
 * A container in impulse's runc root that no record names is adopted when its labels say this
 * daemon made it, they describe a valid chamber and its port is free; otherwise, if it is this
 * daemon's, it is stopped and removed; a container of another daemon is left alone. Chamber
 * directories, mounts and exit files that no record names are removed. Every step goes through the
 * same lifecycle and tear-down as at run time.
 */
final class ChamberRecovery {
  private static final Logger log = LoggerFactory.getLogger(ChamberRecovery.class);

  private final ChamberRegistry registry;
  private final ChamberDriver driver;
  private final ChamberHost host;
  private final ChamberNetwork network;
  private final Timing timing;
  private final Lifecycle.Rules rules;
  private final ChamberLabels labels;

  /** What to do once recovery is done and exits are watched: runs to start, runs to probe. */
  record Plan(List<LiveChamber> launch, List<LiveChamber> awaitReady) {}

  ChamberRecovery(
      ChamberRegistry registry,
      ChamberDriver driver,
      ChamberHost host,
      ChamberNetwork network,
      Timing timing,
      Lifecycle.Rules rules,
      ChamberLabels labels) {
    this.registry = registry;
    this.driver = driver;
    this.host = host;
    this.network = network;
    this.timing = timing;
    this.rules = rules;
    this.labels = labels;
  }

  Plan recover(List<Chamber> recorded) {
    host.checkRunDir();
    boolean rebooted = host.rebootedSinceLastStart();
    Map<String, ChamberHost.HostContainer> containers = new HashMap<>();
    host.containers().forEach(c -> containers.put(c.id(), c));

    // Ports first: nothing below may hand out a port a surviving chamber holds. An ended chamber
    // holds none (its port may be another's now).
    List<LiveChamber> known = new ArrayList<>();
    for (Chamber chamber : recorded) {
      boolean holds = chamber.status().isLive() || Lifecycle.willRestart(chamber);
      if (holds && !network.reserve(chamber.port())) {
        log.error(
            "chamber {}: its port {} is outside the range or held twice",
            chamber.id(),
            chamber.port());
        holds = false;
      }
      LiveChamber c = restored(chamber, holds);
      registry.restore(c);
      known.add(c);
    }
    List<LiveChamber> launch = new ArrayList<>();
    List<LiveChamber> awaitReady = new ArrayList<>();
    int adopted = 0;
    for (LiveChamber c : known) {
      ChamberHost.HostContainer container = containers.remove(c.container);
      try {
        switch (c.state().status()) {
          case STOPPING -> finishDestroy(c, container != null);
          case STOPPED, FAILED -> {
            if (c.state().destroying()) {
              driver.retryLeftovers(c); // finishes the destroy it was asked for
            } else {
              releaseEnded(c);
            }
          }
          case STARTING, RUNNING -> {
            if (container != null && container.running()) {
              adopt(c);
              adopted++;
              if (c.state().status() == ChamberStatus.STARTING) {
                awaitReady.add(c);
              }
            } else if (host.strayMonitor(c.container) == ChamberHost.StrayMonitor.ELSEWHERE) {
              unreachable(c);
            } else if (c.state().status() == ChamberStatus.STARTING) {
              if (resetInterruptedStart(c)) {
                launch.add(c);
              }
            } else {
              endedWhileAway(c, rebooted);
            }
          }
        }
      } catch (RuntimeException e) {
        log.error("chamber {}: recovery failed; it is left as recorded", c.id, e);
      }
    }
    int unknown = containers.size();
    for (ChamberHost.HostContainer container : containers.values()) {
      unknownContainer(container);
    }
    host.removeStrays(registry.all().stream().map(c -> c.container).toList());
    log.info(
        "recovered {} chamber(s): {} adopted running, {} to start again, {} unknown container(s)"
            + " seen{}",
        known.size(),
        adopted,
        launch.size(),
        unknown,
        rebooted ? "; the node rebooted since the last start" : "");
    return new Plan(launch, awaitReady);
  }

  private LiveChamber restored(Chamber chamber, boolean holdsPort) {
    // A destroy answered 503 before the restart is still wanted: its reason says so durably.
    boolean destroying =
        chamber.status() == ChamberStatus.STOPPING
            || chamber.status().isTerminal()
                && chamber.reason().orElse("").startsWith(Lifecycle.DESTROY_INCOMPLETE);
    Lifecycle.State state = new Lifecycle.State(chamber, 1, destroying, 0);
    return new LiveChamber(state, new Run(1, new StartupMarks(timing.clock())), holdsPort);
  }

  private void adopt(LiveChamber c) {
    c.run().containerCreated = true;
    c.run().conmonPid = host.monitorPid(c.container);
    log.info("chamber {}: still running on port {}; adopted", c.id, c.chamber().port());
  }

  /**
   * runc does not list the container, but its conmon still runs under another root: it runs where
   * this daemon cannot see it. Nothing of it is touched (its mount, files and port stay).
   */
  private void unreachable(LiveChamber c) {
    String why =
        "its container is not in this daemon's runc root but its conmon still runs: it runs where"
            + " this daemon cannot see it; left alone. Restart the daemon with the --run-dir it"
            + " ran under, or stop its conmon by hand";
    withLock(c, () -> driver.note(c, why));
    log.error("chamber {}: {}", c.id, why);
  }

  /** Releases what an interrupted start left; true when all of it was, so it may start again. */
  private boolean resetInterruptedStart(LiveChamber c) {
    List<String> left = locked(c, () -> driver.release(c, true));
    if (!left.isEmpty()) {
      driver.apply(
          c,
          new LifecycleEvent.StartFailed(
              c.run().number,
              "cannot release what its interrupted start left: " + String.join("; ", left)));
      return false;
    }
    withLock(c, () -> driver.note(c, "starting again: a daemon restart interrupted its start"));
    log.info("chamber {}: its start was interrupted; starting it again", c.id);
    return true;
  }

  private void endedWhileAway(LiveChamber c, boolean rebooted) {
    c.run().containerCreated = true;
    OptionalInt code = host.exitCode(c.container);
    if (code.isEmpty()) {
      code = host.recordedExitCode(c.container);
    }
    String lost =
        rebooted
            ? "its container was lost when the node rebooted; the exit code is unknown"
            : "its container ended while the daemon was down and no exit code was recorded";
    driver.apply(
        c,
        code.isPresent()
            ? LifecycleEvent.Exited.withCode(
                c.run().number,
                code.getAsInt(),
                host.oomKilled(c.container),
                host.terminationMessage(c.container))
            : LifecycleEvent.Exited.lost(c.run().number, lost));
  }

  private void finishDestroy(LiveChamber c, boolean hasContainer) {
    c.run().containerCreated = hasContainer;
    if (hasContainer) {
      host.kill(c.container, "KILL");
    }
    driver.apply(
        c,
        new LifecycleEvent.Stopped(
            c.run().number, "destroy finished at start-up: a daemon restart interrupted it"));
    log.info("chamber {}: its destroy was interrupted; finished it", c.id);
  }

  private void releaseEnded(LiveChamber c) {
    OptionalInt late =
        c.chamber().exitCode().isEmpty() ? host.recordedExitCode(c.container) : OptionalInt.empty();
    if (late.isPresent()) {
      driver.apply(
          c,
          LifecycleEvent.Exited.withCode(
              c.run().number, late.getAsInt(), host.oomKilled(c.container), Optional.empty()));
    } else {
      withLock(c, () -> driver.release(c, c.state().restartPending()));
    }
    c.run().ended.complete(null);
    if (c.state().restartPending()) {
      int run = c.run().number;
      timing.schedule(
          rules.backoff().before(c.chamber().restarts() + 1),
          () -> driver.apply(c, new LifecycleEvent.RestartDue(run)));
    }
  }

  private void unknownContainer(ChamberHost.HostContainer container) {
    if (!labels.isOurs(container.labels())) {
      log.warn(
          "container {} in impulse's runc root was not made by this daemon ({}); left alone",
          container.id(),
          labels.owner(container.labels()));
      return;
    }
    if (labels.isCell(container.labels())) {
      log.info("stem cell {}: left by an earlier daemon; removed", container.id());
      host.removeUnknown(container.id());
      return;
    }
    Optional<Chamber> adoptable = labels.chamber(container.id(), container.labels());
    if (adoptable.isPresent() && container.running() && network.reserve(adoptable.get().port())) {
      LiveChamber c = restored(adoptable.get(), true);
      registry.add(c);
      adopt(c);
      log.warn(
          "chamber {}: running with this daemon's labels but missing from the store; adopted",
          c.id);
      return;
    }
    log.warn(
        "container {} carries this daemon's labels but cannot be adopted ({}); stopping and"
            + " removing it",
        container.id(),
        adoptable.isEmpty()
            ? "its labels are incomplete"
            : "its port is taken or it is not running");
    host.removeUnknown(container.id());
  }

  private static void withLock(LiveChamber c, Runnable work) {
    locked(
        c,
        () -> {
          work.run();
          return null;
        });
  }

  private static <T> T locked(LiveChamber c, java.util.function.Supplier<T> work) {
    c.lock.lock();
    try {
      return work.get();
    } finally {
      c.lock.unlock();
    }
  }
}
