package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.StoredFunction;
import dev.impulse.linux.CommandFailedException;
import dev.impulse.linux.LinuxException;
import dev.impulse.runtime.ContainerCreateException;
import dev.impulse.runtime.ContainerStartException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Starts a run's container, step by step: directories, then conmon spawned on a thread of its own
 * (and held) while the cgroup, the overlay root file system and config.json are made, {@code runc
 * create} under conmon, then the start ({@link dev.impulse.runtime.ExecFifo}, what {@code runc
 * start} does). A step that fails throws {@link StartStepException} naming it; the run records how
 * far it got ({@link Run#containerCreated}, {@link Run#conmonPid}) so the tear-down that follows
 * releases what was made. Call with the chamber's lock held.
 */
final class ChamberLauncher {
  private final ChamberHost host;
  private final ContainerConfigs configs;

  ChamberLauncher(ChamberHost host, ContainerConfigs configs) {
    this.host = host;
    this.configs = configs;
  }

  /** A start step failed; its message says which and why, in words for the chamber's reason. */
  static final class StartStepException extends RuntimeException {
    StartStepException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Starts {@code chamber}'s container with {@code function}; without one, the container of the
   * stem cell {@code chamber} stands for.
   */
  void launch(Chamber chamber, Optional<StoredFunction> function, Baseimage base, Run run) {
    String id = chamber.container();
    boolean cell = function.isEmpty();
    step("prepare its directories", () -> host.prepare(chamber));
    if (cell) {
      step("prepare its guest mount point", () -> host.prepareCell(id));
    }
    run.startup.mark("prepared");
    // conmon is spawned on a thread of its own while the rest is made: a posix_spawn from this
    // JVM takes 1 to 8 ms here, as long as the cgroup, the mount and config.json together.
    // Whatever ends this block, the spawn is waited for and an unused monitor is killed.
    try (MonitorSpawn spawn = new MonitorSpawn(host, id)) {
      step("make its cgroup", () -> host.createCgroup(id, configs.limits(chamber.spec())));
      run.startup.mark("cgroup");
      step("mount its root file system", () -> host.mountRootfs(id, function, base));
      run.startup.mark("mounted");
      step("write its config.json", () -> host.writeConfig(chamber, base, cell));
      run.startup.mark("configured");
      ChamberHost.Monitor monitor = open("start its monitor (conmon)", spawn::monitor);
      step("move its monitor (conmon) into its cgroup", monitor::adopt);
      run.startup.mark("monitor");
      run.conmonPid = open("create its container (runc create)", monitor::create);
      run.containerCreated = true;
    }
    run.startup.mark("created");
    step("start its container", () -> host.start(id));
    run.startup.mark("started");
  }

  /**
   * Makes stem cell {@code cell} the container of {@code chamber}: its function mounted read-only
   * where the wrapper imports it, its limits set, then the one line that gives the wrapper the
   * chamber's environment and identity, after which it imports the function and binds its port.
   */
  void specialise(Chamber chamber, StoredFunction function, StemCell cell, Run run) {
    String id = chamber.container();
    step("mount its function into the stem cell", () -> host.deliver(id, function));
    run.startup.mark("delivered");
    step("set its limits", () -> host.updateLimits(id, configs.limits(chamber.spec())));
    run.startup.mark("limited");
    step(
        "specialise the stem cell",
        () -> cell.control().specialise(configs.specialisation(chamber)));
    run.startup.mark("specialised");
  }

  /**
   * conmon spawned on a thread of its own. Closing waits for the spawn and closes the monitor it
   * made: one never told to create is killed, so no container can appear after a failed start.
   */
  private static final class MonitorSpawn implements AutoCloseable {
    private final CompletableFuture<ChamberHost.Monitor> spawning = new CompletableFuture<>();

    MonitorSpawn(ChamberHost host, String id) {
      Thread.ofVirtual()
          .name("conmon-spawn-" + id)
          .start(() -> {
            try {
              spawning.complete(host.spawnMonitor(id));
            } catch (Throwable t) { // handed to the launch, which waits for it
              spawning.completeExceptionally(t);
            }
          });
    }

    /** The spawned monitor, or what its spawn threw. */
    ChamberHost.Monitor monitor() throws IOException {
      try {
        return spawning.join();
      } catch (CompletionException e) {
        switch (e.getCause()) {
          case IOException io -> throw io;
          case RuntimeException r -> throw r;
          case Error error -> throw error;
          default -> throw e;
        }
      }
    }

    @Override
    public void close() {
      ChamberHost.Monitor monitor;
      try {
        monitor = spawning.join();
      } catch (CompletionException spawnFailed) {
        return; // nothing was spawned; monitor() reported why, unless an earlier step failed
      }
      monitor.close();
    }
  }

  private interface Step {
    void run() throws IOException;
  }

  private interface Opening<T> {
    T open() throws IOException;
  }

  private static void step(String what, Step step) {
    try {
      step.run();
    } catch (IOException | RuntimeException e) {
      throw expected(what, e);
    }
  }

  private static <T> T open(String what, Opening<T> opening) {
    try {
      return opening.open();
    } catch (IOException | RuntimeException e) {
      throw expected(what, e);
    }
  }

  /**
   * Failures of the machine (I/O, system calls, runc, conmon) say what failed in the chamber's
   * reason; anything else is a fault of impulse and goes on as it is, to be logged in full.
   */
  private static RuntimeException expected(String what, Exception e) {
    if (e instanceof IOException
        || e instanceof UncheckedIOException
        || e instanceof LinuxException
        || e instanceof ContainerCreateException
        || e instanceof ContainerStartException
        || e instanceof CommandFailedException) {
      return new StartStepException("cannot " + what + ": " + e.getMessage(), e);
    }
    return (RuntimeException) e;
  }
}
