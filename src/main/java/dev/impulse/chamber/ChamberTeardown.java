package dev.impulse.chamber;

import dev.impulse.network.ChamberNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases what a chamber's run held, in reverse order of acquisition: the runc container, its
 * monitor (awaited), the cgroups, the mounts, the scratch directories, and the port with the
 * network it stands for (namespace, veth, forwarding). The exit file stays until the next run or
 * until the chamber is forgotten, so an exit learnt late is recorded. Each step is harmless when
 * there is nothing to release, so a tear-down can be repeated; what could not be released is kept
 * on the chamber ({@link LiveChamber#leftovers}) and retried. The port is released only once
 * nothing of the run can still live: the container is deleted, its conmon gone and its cgroups
 * removed. Call with the chamber's lock held.
 */
final class ChamberTeardown {
  private static final Logger log = LoggerFactory.getLogger(ChamberTeardown.class);
  static final Duration MONITOR_WAIT = Duration.ofSeconds(10);
  static final Duration MAX_PAUSE = Duration.ofMillis(20);

  private final ChamberHost host;
  private final ChamberNetwork network;
  private final Timing timing;

  ChamberTeardown(ChamberHost host, ChamberNetwork network, Timing timing) {
    this.host = host;
    this.network = network;
    this.timing = timing;
  }

  /**
   * Releases chamber {@code c}'s run, and its port unless {@code keepPort}; returns what could not
   * be released (empty when all was).
   */
  List<String> release(LiveChamber c, boolean keepPort) {
    String id = c.container;
    List<String> problems = new ArrayList<>();
    boolean containerGone =
        step(problems, "delete its runc container", () -> host.deleteContainer(id))
            && step(problems, "wait for its monitor (conmon) to end", () -> awaitMonitorGone(c))
            && step(problems, "remove its cgroups", () -> host.removeCgroups(id));
    if (containerGone) {
      if (step(problems, "unmount its file systems", () -> host.unmount(id))) {
        step(problems, "remove its scratch directories", () -> host.removeScratch(id));
      }
      if (!keepPort
          && c.holdsPort()
          && step(
              problems,
              "release its network (port " + c.chamber().port() + ")",
              () -> network.detach(c.chamber().port()))) {
        c.setHoldsPort(false);
      }
    }
    c.setLeftovers(problems);
    if (!problems.isEmpty()) {
      log.warn(
          "chamber {}: tear-down incomplete{}: {}",
          id,
          containerGone ? "" : " (its port stays held)",
          String.join("; ", problems));
    }
    return problems;
  }

  /**
   * Releases everything of chamber {@code c} and removes its files; returns what could not be done
   * (the chamber must not be forgotten then).
   */
  List<String> forget(LiveChamber c) {
    List<String> problems = release(c, false);
    if (problems.isEmpty()) {
      host.forgetExit(c.container);
      step(problems, "remove its files", () -> host.deleteFiles(c.container));
      c.setLeftovers(problems);
    }
    return problems;
  }

  /** The run's conmon: the pid it reported, or the one in its pid file; 0 when unknown. */
  int monitorPid(LiveChamber c) {
    int reported = c.run().conmonPid;
    return reported > 0 ? reported : host.monitorPid(c.container);
  }

  /**
   * Waits (at most {@link #MONITOR_WAIT}) for the run's conmon to end: it leaves right after it
   * recorded the exit, and until then its exit file could be taken for the next run's and its
   * cgroup cannot be removed.
   */
  void awaitMonitorGone(LiveChamber c) throws InterruptedException {
    int pid = monitorPid(c);
    long deadline = timing.nanoTime() + MONITOR_WAIT.toNanos();
    long pause = 1;
    while (pid > 0 && host.monitors(pid, c.container)) {
      if (timing.nanoTime() > deadline) {
        throw new IllegalStateException(
            "its conmon (pid " + pid + ") still runs " + MONITOR_WAIT.toSeconds() + " s on");
      }
      timing.sleep(Duration.ofMillis(pause));
      pause = Math.min(pause * 2, MAX_PAUSE.toMillis());
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static boolean step(List<String> problems, String what, Step step) {
    try {
      step.run();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problems.add("cannot " + what + ": interrupted");
      return false;
    } catch (Exception e) {
      problems.add("cannot " + what + ": " + e.getMessage());
      return false;
    }
  }
}
