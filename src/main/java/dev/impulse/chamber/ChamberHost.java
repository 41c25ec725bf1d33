package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.StoredFunction;
import dev.impulse.runtime.ResourceLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything the lifecycle asks of the machine, one small operation each: the steps of a start and
 * of a tear-down, signals, what conmon recorded, and what recovery reads. {@link RuncHost} does it
 * with runc, conmon, mounts and cgroups; unit tests give the lifecycle a host of their own that
 * needs no root and can fail at any step. Every operation names the chamber by id; none keeps state
 * of the lifecycle.
 */
interface ChamberHost {
  // ---- a start, in order ----

  /**
   * Makes the chamber's directories and termination-log tmpfs (its file writable by the chamber's
   * user); removes the last run's files.
   */
  void prepare(Chamber chamber) throws IOException;

  /** Makes the chamber's cgroup with these limits. */
  void createCgroup(String id, ResourceLimits limits) throws IOException;

  /**
   * Spawns the chamber's conmon, held before it runs {@code runc create}; needs only the chamber's
   * directories, so it may run while the rest of the start is made.
   */
  Monitor spawnMonitor(String id) throws IOException;

  /**
   * Mounts the chamber's root file system: the function over the baseimage, or the baseimage alone
   * for a stem cell.
   */
  void mountRootfs(String id, Optional<StoredFunction> function, Baseimage base) throws IOException;

  /** Writes config.json for {@code chamber}, or for the stem cell it stands for. */
  void writeConfig(Chamber chamber, Baseimage base, boolean cell) throws IOException;

  /** Runs the created container's process (what {@code runc start} does: {@code ExecFifo}). */
  void start(String id);

  /** A conmon waiting to create its container. Closing it uncreated kills it. */
  interface Monitor extends AutoCloseable {
    /** Moves conmon into the chamber's cgroup (made by then). */
    void adopt() throws IOException;

    /** Lets conmon run {@code runc create}; returns conmon's pid once the container exists. */
    int create();

    @Override
    void close();
  }

  // ---- a stem cell ----

  /**
   * Makes a stem cell's guest mount point, where {@link #deliver} later mounts the function so that
   * the running container sees it.
   */
  void prepareCell(String id) throws IOException;

  /** The host path of a stem cell's control socket (the daemon listens, the wrapper connects). */
  Path controlSocket(String id);

  /** Mounts {@code function}'s guest read-only where stem cell {@code id}'s wrapper imports it. */
  void deliver(String id, StoredFunction function) throws IOException;

  /** Sets new limits on a running chamber's cgroups. */
  void updateLimits(String id, ResourceLimits limits) throws IOException;

  // ---- while it runs ----

  /** Signals the container's first process; false when there is no container running. */
  boolean kill(String id, String signal);

  /** The exit code conmon recorded for the current run, if it did. */
  OptionalInt exitCode(String id);

  /** Whether conmon saw the OOM killer act in the chamber's cgroup. */
  boolean oomKilled(String id);

  /** The first 4 KiB of what the wrapper left in its termination log, escaped. */
  Optional<String> terminationMessage(String id);

  /** conmon's pid from its pid file, or 0. */
  int monitorPid(String id);

  /** Whether process {@code pid} is conmon monitoring chamber {@code id}. */
  boolean monitors(int pid, String id);

  /** Memory, CPU and processes of the chamber's cgroup, when it has one. */
  Optional<ChamberStats> stats(String id);

  // ---- a tear-down, in order ----

  /** Deletes the runc container ({@code --force}); harmless when there is none. */
  void deleteContainer(String id);

  /** Removes the chamber's cgroups; throws naming any still in use. */
  void removeCgroups(String id) throws IOException;

  /** Unmounts the root file system and the termination-log tmpfs; throws when one stays. */
  void unmount(String id) throws IOException;

  /** Removes the run's scratch directories (upper, work, mount points) and conmon's links. */
  void removeScratch(String id) throws IOException;

  /** Forgets the run's exit file, so it is never taken for the next run's. */
  void forgetExit(String id);

  /** Removes the chamber's whole directory (log, config): it is being forgotten. */
  void deleteFiles(String id) throws IOException;

  // ---- recovery ----

  /** Refuses to go on when containers run under another run directory than recorded. */
  void checkRunDir();

  /** Whether the machine rebooted since the last start (and records this boot). */
  boolean rebootedSinceLastStart();

  /** Every container in this daemon's runc root. */
  List<HostContainer> containers();

  /**
   * Where a conmon of chamber {@code id} that runc does not list stands: none, one this daemon's
   * interrupted start left waiting (stopped here), or one running under another root.
   */
  StrayMonitor strayMonitor(String id);

  /** What {@link #strayMonitor} found. */
  enum StrayMonitor {
    NONE,
    STOPPED,
    ELSEWHERE
  }

  /** The exit code recorded in the chamber's own directory (conmon's persist dir), if any. */
  OptionalInt recordedExitCode(String id);

  /** Stops and removes a container no record names, and its directory. */
  void removeUnknown(String id);

  /** Removes chamber mounts, directories and exit files whose id is not in {@code known}. */
  void removeStrays(Collection<String> known);

  /** Reaps orphaned processes (conmons that detached). */
  void reapOrphans();

  /** Starts watching conmon's exit files; {@code listener} gets each chamber id that exited. */
  AutoCloseable watchExits(java.util.function.Consumer<String> listener) throws IOException;

  /**
   * A container as runc lists it.
   *
   * @param id its id
   * @param running whether its process runs
   * @param labels its annotations
   */
  record HostContainer(String id, boolean running, Map<String, String> labels) {}
}
