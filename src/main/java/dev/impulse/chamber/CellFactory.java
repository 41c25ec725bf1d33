package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.Language;
import dev.impulse.network.ChamberNetwork;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and removes stem cells with the same steps as chambers ({@link ChamberLauncher}, {@link
 * ChamberTeardown}): a cell is launched as a chamber of its own whose container has no function and
 * whose wrapper waits on its control socket. Decides which specs a cell can take.
 */
final class CellFactory {
  private static final Logger log = LoggerFactory.getLogger(CellFactory.class);

  private final Images images;
  private final ChamberNetwork network;
  private final ChamberLauncher launcher;
  private final ChamberTeardown teardown;
  private final ChamberHost host;
  private final ContainerConfigs configs;
  private final ChamberSettings settings;
  private final Timing timing;
  private final CellPools.Names names = new CellPools.Names();

  CellFactory(
      Images images,
      ChamberNetwork network,
      ChamberLauncher launcher,
      ChamberTeardown teardown,
      ChamberHost host,
      ContainerConfigs configs,
      ChamberSettings settings,
      Timing timing) {
    this.images = images;
    this.network = network;
    this.launcher = launcher;
    this.teardown = teardown;
    this.host = host;
    this.configs = configs;
    this.settings = settings;
    this.timing = timing;
  }

  /**
   * Whether a cell can become a chamber of {@code spec}: its {@code /tmp} is the default size (a
   * mounted tmpfs keeps its size), for a language sized at its start its memory and CPUs are the
   * defaults, and its env sets nothing the cell's language reads only at its start ({@link
   * dev.impulse.image.Language#cellTakes}).
   */
  boolean fits(ChamberSpec spec) {
    if (configs.diskBytes(spec) != settings.diskBytes()) {
      return false;
    }
    Language language = images.runtime(spec.runtime()).language();
    if (language.sizedAtStart()
        && (configs.memoryBytes(spec) != settings.memoryBytes()
            || spec.cpus().orElse(settings.cpus()) != settings.cpus())) {
      return false;
    }
    return spec.env().keySet().stream()
        .filter(name -> !name.startsWith("SKYHOOK_"))
        .allMatch(language::cellTakes);
  }

  /**
   * The runtimes that have stem cells: all but those whose guest is the server itself. {@code
   * builtInOnly} leaves out runtimes pulled from registries, whose pools start empty until sized.
   */
  List<String> runtimes(boolean builtInOnly) {
    return images.runtimeNames().stream()
        .filter(r -> images.runtime(r).language().hasStemCells())
        .filter(r -> !builtInOnly || images.runtime(r).image().isEmpty())
        .toList();
  }

  /** Whether cells of {@code runtime} can be made now: its baseimage is built. */
  boolean canMake(String runtime) {
    return images.built(runtime);
  }

  /**
   * Starts a cell of {@code runtime} and waits until its wrapper is ready; empty when it failed
   * (logged, and nothing of it left).
   */
  Optional<StemCell> make(String runtime) {
    int port;
    try {
      port = network.attach();
    } catch (RuntimeException e) {
      log.warn("stem cell of {}: no port for it: {}", runtime, e.getMessage());
      return Optional.empty();
    }
    String name = names.next(runtime);
    while (java.nio.file.Files.exists(host.controlSocket(name).getParent())) {
      name = names.next(runtime); // a name in use: a cell made from it is another's container
    }
    Chamber chamber =
        Chamber.starting(name, ChamberSpec.of("cell", "0", runtime), port, timing.clock().millis());
    LiveChamber shell =
        new LiveChamber(
            new Lifecycle.State(chamber, 1, false, 0),
            new Run(1, new StartupMarks(timing.clock())),
            true);
    CellControl control = null;
    try {
      control = CellControl.listen(host.controlSocket(name), ContainerConfigs.uid(chamber));
      Baseimage base = images.baseimage(runtime);
      shell.lock.lock();
      try {
        launcher.launch(chamber, Optional.empty(), base, shell.run());
      } finally {
        shell.lock.unlock();
      }
      String ready = control.awaitReady(settings.startupTimeout());
      log.info("stem cell {}: ready on port {}", name, port);
      return Optional.of(new StemCell(shell, control, ready));
    } catch (IOException | RuntimeException e) {
      // A daemon stopping interrupts this start; what it made must still go, waits and all.
      boolean interrupted = Thread.interrupted();
      log.warn("stem cell {}: start failed: {}", name, e.getMessage());
      if (control != null) {
        control.close();
      }
      remove(shell);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return Optional.empty();
    }
  }

  /** Removes a cell no chamber took: its container, cgroup, mounts, files and port. */
  void destroy(StemCell cell, String why) {
    // A daemon stopping may interrupt the caller: the removal's waits must still run.
    boolean interrupted = Thread.interrupted();
    cell.control().close();
    remove(cell.shell());
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    log.info("stem cell {}: removed ({})", cell.name(), why);
  }

  private void remove(LiveChamber shell) {
    shell.lock.lock();
    try {
      List<String> left = teardown.forget(shell);
      if (!left.isEmpty()) {
        log.error("stem cell {}: not all removed: {}", shell.id, String.join("; ", left));
      }
    } finally {
      shell.lock.unlock();
    }
  }

  /** The memory a ready cell's cgroup holds. */
  long memoryBytes(StemCell cell) {
    return host.stats(cell.name()).map(ChamberStats::memoryBytes).orElse(0L);
  }
}
