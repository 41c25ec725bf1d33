package dev.impulse.chamber;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.network.PortAllocator;
import dev.impulse.runtime.ChamberCgroups;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.Runc;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases what a chamber's container held, in reverse order of acquisition: the runc container
 * (and its cgroup), the overlay mount, the upper and work directories, conmon's attach link and the
 * port. Every step runs even when an earlier one failed, and each is harmless when there is nothing
 * to release, so tear-down can be repeated (after a crash, say). The chamber's log, exit code and
 * config stay until the chamber is deleted.
 */
final class ChamberTeardown {
  private static final Logger log = LoggerFactory.getLogger(ChamberTeardown.class);

  private final Runc runc;
  private final Conmon conmon;
  private final PortAllocator ports;
  private final ChamberLauncher launcher;
  private final ChamberCgroups cgroups;

  static final Duration MONITOR_WAIT = Duration.ofSeconds(10);

  ChamberTeardown(
      Runc runc,
      Conmon conmon,
      PortAllocator ports,
      ChamberLauncher launcher,
      ChamberCgroups cgroups) {
    this.runc = runc;
    this.conmon = conmon;
    this.ports = ports;
    this.launcher = launcher;
    this.cgroups = cgroups;
  }

  /**
   * Releases the container, mount and scratch directories of chamber {@code id}, and its port when
   * {@code releasePort}; returns the problems met (empty when all went well).
   */
  List<String> release(Chamber chamber, ChamberHandle handle, boolean releasePort) {
    String id = chamber.id();
    ChamberPaths paths = launcher.paths(id);
    List<String> problems = new ArrayList<>();
    step(problems, "delete the runc container", () -> runc.delete(id, true));
    // conmon leaves once the container has ended; while it stays, the container may still run
    // (where runc cannot see it, say): its mount, files and port are kept then.
    if (!step(
        problems,
        "wait for its monitor to end",
        () -> {
          if (!awaitMonitorGone(id, handle)) {
            throw new IllegalStateException(
                "its conmon still runs " + MONITOR_WAIT.toSeconds() + " s on");
          }
        })) {
      log.warn("chamber {}: tear-down stopped: {}", id, String.join("; ", problems));
      return problems;
    }
    step(problems, "remove its cgroups", () -> cgroups.remove(launcher.cgroup(id)));
    step(problems, "unmount the root file system", () -> Mounts.unmount(paths.rootfs()));
    step(problems, "unmount the termination log", () -> Mounts.unmount(paths.term()));
    step(
        problems,
        "remove the scratch directories",
        () -> {
          for (java.nio.file.Path mount : List.of(paths.rootfs(), paths.term())) {
            if (Mounts.isMountPoint(mount)) {
              throw new IOException(mount + " is still mounted");
            }
          }
          FileTrees.deleteRecursively(paths.upper());
          FileTrees.deleteRecursively(paths.work());
          FileTrees.deleteRecursively(paths.rootfs());
          FileTrees.deleteRecursively(paths.term());
        });
    step(
        problems, "remove conmon's attach link", () -> Files.deleteIfExists(conmon.attachLink(id)));
    if (releasePort && handle.holdsPort.compareAndSet(true, false)) {
      ports.release(chamber.port());
    }
    if (!problems.isEmpty()) {
      log.warn("chamber {}: tear-down incomplete: {}", id, String.join("; ", problems));
    }
    return problems;
  }

  /**
   * Waits (at most {@link #MONITOR_WAIT}) for the run's conmon to end; returns whether it did: it
   * leaves right after it recorded the exit, and until then its exit file could be taken for the
   * next run's and its cgroup cannot be removed.
   */
  boolean awaitMonitorGone(String id, ChamberHandle handle) {
    int pid =
        handle.conmonPid > 0
            ? handle.conmonPid
            : Conmon.readPid(launcher.paths(id).container().conmonPid()).orElse(0);
    long deadline = System.nanoTime() + MONITOR_WAIT.toNanos();
    long pause = 1;
    while (pid > 0 && Conmon.monitors(pid, id)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pause = Math.min(pause * 2, 20);
    }
    return true;
  }

  /** Removes the chamber's directory once its container is released. */
  void deleteFiles(String id) throws IOException {
    FileTrees.deleteRecursively(launcher.paths(id).dir());
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
