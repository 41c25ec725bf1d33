package dev.impulse.chamber;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.network.PortAllocator;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.Runc;
import java.io.IOException;
import java.nio.file.Files;
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

  ChamberTeardown(Runc runc, Conmon conmon, PortAllocator ports, ChamberLauncher launcher) {
    this.runc = runc;
    this.conmon = conmon;
    this.ports = ports;
    this.launcher = launcher;
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
    step(problems, "unmount the root file system", () -> Mounts.unmount(paths.rootfs()));
    step(
        problems,
        "remove the scratch directories",
        () -> {
          if (Mounts.mountPoints().contains(paths.rootfs().toAbsolutePath())) {
            throw new IOException(paths.rootfs() + " is still mounted");
          }
          FileTrees.deleteRecursively(paths.upper());
          FileTrees.deleteRecursively(paths.work());
          FileTrees.deleteRecursively(paths.rootfs());
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

  /** Removes the chamber's directory once its container is released. */
  void deleteFiles(String id) throws IOException {
    FileTrees.deleteRecursively(launcher.paths(id).dir());
  }

  private interface Step {
    void run() throws Exception;
  }

  private static void step(List<String> problems, String what, Step step) {
    try {
      step.run();
    } catch (Exception e) {
      problems.add("cannot " + what + ": " + e.getMessage());
    }
  }
}
