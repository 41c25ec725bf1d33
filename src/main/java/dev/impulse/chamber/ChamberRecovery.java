package dev.impulse.chamber;

import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.linux.Processes;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ContainerState;
import dev.impulse.runtime.ExitFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the daemon's view back in line with the machine at start-up, before the API serves and
 * before any port is handed out. The rule, per recorded chamber and what runc says of its
 * container:
 *
 * <ul>
 *   <li>STARTING or RUNNING, container running: adopted as it is (a STARTING one is probed again).
 *   <li>STARTING, container not running: its start was interrupted; what it left is released and it
 *       is started again (same id and port), with a reason saying so.
 *   <li>RUNNING, container ended: ended with the exit code conmon recorded, or FAILED with "exit
 *       code unknown" when none was (a reboot says so); its restart policy applies.
 *   <li>STOPPING: its destroy was interrupted; it is finished (container killed, everything
 *       released, record forgotten with a DELETED event).
 *   <li>STOPPED or FAILED: whatever remains is released; one its policy restarts is scheduled.
 * </ul>
 *
 * A container in impulse's runc root that no record names is adopted when its labels say this
 * daemon made it, they describe a valid chamber and its port is free; otherwise, if it is this
 * daemon's, it is stopped and removed; a container of another daemon is left alone. Both are
 * logged. Chamber directories, mounts and exit files that no record names are removed.
 */
final class ChamberRecovery {
  private static final Logger log = LoggerFactory.getLogger(ChamberRecovery.class);
  static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
  static final String BOOT_ID_KEY = "boot_id";

  private final ChamberRegistry registry;
  private final Map<String, ChamberHandle> handles;
  private final ChamberDependencies deps;
  private final ChamberLauncher launcher;
  private final ChamberTeardown teardown;
  private final ChamberSupervisor supervisor;
  private final SpecJson specs;

  /** What to do once recovery is done and exits are watched. */
  record Plan(List<String> launch, List<String> awaitReady) {}

  ChamberRecovery(
      ChamberRegistry registry,
      Map<String, ChamberHandle> handles,
      ChamberDependencies deps,
      ChamberLauncher launcher,
      ChamberTeardown teardown,
      ChamberSupervisor supervisor,
      SpecJson specs) {
    this.registry = registry;
    this.handles = handles;
    this.deps = deps;
    this.launcher = launcher;
    this.teardown = teardown;
    this.supervisor = supervisor;
    this.specs = specs;
  }

  Plan recover() {
    new RunDirCheck(deps.store(), deps.runc(), deps.exits().dir()).check();
    boolean rebooted = checkBoot();
    deps.store()
        .chambers()
        .forEach(row -> {
          Chamber chamber = registry.fromRow(row);
          registry.restore(chamber);
          handles.put(chamber.id(), new ChamberHandle(deps.clock()));
        });
    Map<String, ContainerState> containers = new HashMap<>();
    deps.runc().list().forEach(c -> containers.put(c.id(), c));

    // Ports first: nothing below may hand out a port a surviving chamber holds. An ended chamber
    // holds none (its port may be another's now), so its handle must never release one.
    for (Chamber chamber : registry.list()) {
      boolean holds = chamber.status().isLive() || ChamberSupervisor.willRestart(chamber);
      if (holds && !deps.ports().reserve(chamber.port())) {
        log.error(
            "chamber {}: its port {} is outside the range or held twice",
            chamber.id(),
            chamber.port());
        holds = false;
      }
      handles.get(chamber.id()).holdsPort.set(holds);
    }
    List<String> launch = new ArrayList<>();
    List<String> awaitReady = new ArrayList<>();
    int adopted = 0;
    for (Chamber chamber : registry.list()) {
      ContainerState container = containers.remove(chamber.id());
      ChamberHandle handle = handles.get(chamber.id());
      try {
        switch (chamber.status()) {
          case STOPPING -> finishDestroy(chamber, handle);
          case STOPPED, FAILED -> releaseEnded(chamber, handle);
          case STARTING, RUNNING -> {
            if (container != null && container.status().equals("running")) {
              adopt(chamber, handle);
              adopted++;
              if (chamber.status() == ChamberStatus.STARTING) {
                awaitReady.add(chamber.id());
              }
            } else if (monitorStillRuns(chamber)) {
              unreachable(chamber);
            } else if (chamber.status() == ChamberStatus.STARTING) {
              resetInterruptedStart(chamber, handle);
              launch.add(chamber.id());
            } else {
              endedWhileAway(chamber, handle, rebooted);
            }
          }
        }
      } catch (RuntimeException e) {
        log.error("chamber {}: recovery failed; it is left as recorded", chamber.id(), e);
      }
    }
    for (ContainerState unknown : containers.values()) {
      unknownContainer(unknown);
    }
    removeStrays();
    log.info(
        "recovered {} chamber(s): {} adopted running, {} to start again, {} unknown container(s) seen{}",
        registry.list().size(),
        adopted,
        launch.size(),
        containers.size(),
        rebooted ? "; the node rebooted since the last start" : "");
    return new Plan(launch, awaitReady);
  }

  private boolean checkBoot() {
    String boot;
    try {
      boot = Files.readString(BOOT_ID).strip();
    } catch (IOException e) {
      return false;
    }
    Optional<String> last = deps.store().meta(BOOT_ID_KEY);
    deps.store().putMeta(BOOT_ID_KEY, boot);
    return last.isPresent() && !last.get().equals(boot);
  }

  private void adopt(Chamber chamber, ChamberHandle handle) {
    handle.containerCreated = true;
    handle.conmonPid =
        Conmon.readPid(launcher.paths(chamber.id()).container().conmonPid()).orElse(0);
    log.info("chamber {}: still running on port {}; adopted", chamber.id(), chamber.port());
  }

  /**
   * Its conmon still monitors it although runc on this daemon's root does not list it: the
   * container lives on under another runc root. A conmon started for this root is a start the
   * daemon's stop cut short (it waits for the start byte that never comes): it is stopped here, and
   * the chamber goes on as an interrupted start.
   */
  private boolean monitorStillRuns(Chamber chamber) {
    Optional<Integer> pid =
        Conmon.readPid(launcher.paths(chamber.id()).container().conmonPid())
            .filter(p -> Conmon.monitors(p, chamber.id()));
    if (pid.isEmpty()) {
      return false;
    }
    Path root = deps.runc().root().toAbsolutePath().normalize();
    if (Conmon.runtimeRootOf(pid.get()).map(r -> r.normalize().equals(root)).orElse(false)) {
      log.info(
          "chamber {}: its conmon (pid {}) was left waiting by an interrupted start; stopping it",
          chamber.id(),
          pid.get());
      Processes.signal(pid.get(), 9);
      return false;
    }
    return true;
  }

  /**
   * runc does not list the container, but its conmon still runs: it runs where this daemon cannot
   * see it. Nothing of it is touched (its mount, files and port stay); the record says so.
   */
  private void unreachable(Chamber chamber) {
    String why =
        "its container is not in this daemon's runc root ("
            + deps.runc().root()
            + ") but its conmon still runs: it runs where this daemon cannot see it; left alone."
            + " Restart the daemon with the --run-dir it ran under, or stop its conmon by hand";
    registry.note(chamber.id(), why);
    log.error("chamber {}: {}", chamber.id(), why);
  }

  private void resetInterruptedStart(Chamber chamber, ChamberHandle handle) {
    teardown.release(chamber, handle, false);
    deps.exits().forget(chamber.id());
    registry.note(chamber.id(), "starting again: a daemon restart interrupted its start");
    log.info("chamber {}: its start was interrupted; starting it again", chamber.id());
  }

  private void endedWhileAway(Chamber chamber, ChamberHandle handle, boolean rebooted) {
    handle.containerCreated = true;
    OptionalInt code = deps.exits().exitCode(chamber.id());
    if (code.isEmpty()) {
      code = ExitFiles.read(launcher.paths(chamber.id()).container().exit());
    }
    String lost =
        rebooted
            ? "its container was lost when the node rebooted; the exit code is unknown"
            : "its container ended while the daemon was down and no exit code was recorded";
    handle.lock.lock();
    try {
      supervisor.ended(
          chamber.id(),
          handle,
          code.isPresent() ? Optional.of(code.getAsInt()) : Optional.empty(),
          Optional.of(lost));
    } finally {
      handle.lock.unlock();
    }
  }

  private void finishDestroy(Chamber chamber, ChamberHandle handle) {
    handle.destroyRequested = true;
    deps.runc().kill(chamber.id(), "KILL");
    teardown.release(chamber, handle, true);
    try {
      teardown.deleteFiles(chamber.id());
    } catch (IOException e) {
      log.warn("chamber {}: cannot remove its files: {}", chamber.id(), e.toString());
    }
    deps.exits().forget(chamber.id());
    registry.remove(
        chamber.id(), Optional.of("destroy finished at start-up: a daemon restart interrupted it"));
    handles.remove(chamber.id());
    log.info("chamber {}: its destroy was interrupted; finished it", chamber.id());
  }

  private void releaseEnded(Chamber chamber, ChamberHandle handle) {
    boolean restart = ChamberSupervisor.willRestart(chamber);
    teardown.release(chamber, handle, !restart);
    if (chamber.exitCode().isEmpty()) {
      OptionalInt code = ExitFiles.read(launcher.paths(chamber.id()).container().exit());
      if (code.isPresent()) {
        registry.update(chamber.id(), c -> c.withExitCode(code.getAsInt()), Optional.empty());
      }
    }
    deps.exits().forget(chamber.id());
    if (restart) {
      supervisor.scheduleRestart(chamber.id(), deps.settings().backoff(chamber.restarts() + 1));
    }
  }

  private void unknownContainer(ContainerState container) {
    Map<String, String> labels = container.annotations();
    String prefix = ChamberLauncher.LABEL_PREFIX;
    if (!deps.settings().daemonIdentity().equals(labels.get(prefix + "daemon"))) {
      log.warn(
          "container {} in impulse's runc root was not made by this daemon ({}); left alone",
          container.id(),
          labels.getOrDefault(prefix + "daemon", "no impulse labels"));
      return;
    }
    Optional<Chamber> adoptable = fromLabels(container);
    if (adoptable.isPresent()
        && container.status().equals("running")
        && deps.ports().reserve(adoptable.get().port())) {
      Chamber chamber = adoptable.get();
      ChamberHandle handle = new ChamberHandle(deps.clock());
      handles.put(chamber.id(), handle);
      registry.add(chamber);
      adopt(chamber, handle);
      log.warn(
          "chamber {}: running with this daemon's labels but missing from the store; adopted",
          chamber.id());
      return;
    }
    log.warn(
        "container {} carries this daemon's labels but cannot be adopted ({}); stopping and removing it",
        container.id(),
        adoptable.isEmpty()
            ? "its labels are incomplete"
            : "its port is taken or it is not running");
    deps.runc().delete(container.id(), true);
    Path dir = launcher.paths(container.id()).dir();
    Mounts.unmount(dir.resolve("rootfs"));
    try {
      Files.deleteIfExists(deps.conmon().attachLink(container.id()));
      if (dir.startsWith(deps.chambersDir())) {
        FileTrees.deleteRecursively(dir);
      }
    } catch (IOException e) {
      log.warn("cannot remove the files of container {}: {}", container.id(), e.toString());
    }
  }

  private Optional<Chamber> fromLabels(ContainerState container) {
    Map<String, String> labels = container.annotations();
    String prefix = ChamberLauncher.LABEL_PREFIX;
    try {
      if (!container.id().equals(labels.get(prefix + "chamber"))) {
        return Optional.empty();
      }
      ChamberSpec spec = specs.read(labels.get(prefix + "spec"));
      int port = Integer.parseInt(labels.get(prefix + "port"));
      long created = Long.parseLong(labels.get(prefix + "created"));
      return Optional.of(
          Chamber.starting(container.id(), spec, port, created)
              .moveTo(
                  ChamberStatus.RUNNING,
                  Optional.empty(),
                  Optional.of(
                      "adopted at start-up: running with this daemon's labels but missing from the store")));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Chamber directories, mounts and exit files that no record names. */
  private void removeStrays() {
    for (Path mount : Mounts.mountPoints()) {
      if (mount.startsWith(deps.chambersDir())
          && !registry.contains(mount.getParent().getFileName().toString())) {
        log.info("unmounting {}: no chamber owns it", mount);
        Mounts.unmount(mount);
      }
    }
    for (Path dir : list(deps.chambersDir())) {
      if (!registry.contains(dir.getFileName().toString())) {
        try {
          log.info("removing {}: no chamber owns it", dir);
          FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
          log.warn("cannot remove {}: {}", dir, e.toString());
        }
      }
    }
    for (Path exit : list(deps.exits().dir())) {
      if (!registry.contains(exit.getFileName().toString())) {
        deps.exits().forget(exit.getFileName().toString());
      }
    }
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
