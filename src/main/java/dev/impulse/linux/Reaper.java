package dev.impulse.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps the zombies of orphans re-parented to this process (it is a child subreaper), without ever
 * reaping a child the JDK is waiting for: processes started through {@link #start} are left to
 * their {@link Process} object, and those of {@link #spawnKept} to their caller. Thread-safe.
 */
public final class Reaper {
  private static final Logger log = LoggerFactory.getLogger(Reaper.class);
  private static final Path TASKS = Path.of("/proc/self/task");

  private final ReadWriteLock startLock = new ReentrantReadWriteLock();
  private final Set<Long> jdkChildren = ConcurrentHashMap.newKeySet();
  private final Set<Long> keptChildren = ConcurrentHashMap.newKeySet();

  /**
   * Starts a process the JDK will wait for. Starting and registering happen under a lock the sweep
   * excludes, so a child that ends at once is never mistaken for an orphan.
   */
  public Process start(ProcessBuilder builder) throws IOException {
    startLock.readLock().lock();
    try {
      Process process = builder.start();
      long pid = process.pid();
      jdkChildren.add(pid);
      process.onExit().whenComplete((p, e) -> jdkChildren.remove(pid));
      return process;
    } finally {
      startLock.readLock().unlock();
    }
  }

  /**
   * Spawns a child its caller waits for itself (through {@link Processes}), under the same lock:
   * the sweep leaves it alone until {@link #release}, so until then its pid cannot be handed to
   * another process behind the caller's back.
   */
  public <T> T spawnKept(Supplier<T> spawn, ToIntFunction<T> pid) {
    startLock.readLock().lock();
    try {
      T child = spawn.get();
      keptChildren.add((long) pid.applyAsInt(child));
      return child;
    } finally {
      startLock.readLock().unlock();
    }
  }

  /** Leaves child {@code pid} of {@link #spawnKept} to the sweep from now on. */
  public void release(int pid) {
    keptChildren.remove((long) pid);
  }

  /** Reaps every zombie child that is not the JDK's or kept; returns how many. */
  public int sweep() {
    startLock.writeLock().lock();
    try {
      int reaped = 0;
      for (int pid : children()) {
        boolean owned = jdkChildren.contains((long) pid) || keptChildren.contains((long) pid);
        if (!owned && isZombieChild(pid)) {
          if (Processes.reapIfEnded(pid).isPresent()) {
            reaped++;
          }
        }
      }
      return reaped;
    } catch (RuntimeException e) {
      log.warn("reaping orphaned processes failed: {}", e.toString());
      return 0;
    } finally {
      startLock.writeLock().unlock();
    }
  }

  /** Children of every thread of this process (orphans may be handed to any of them). */
  static List<Integer> children() {
    List<Integer> pids = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String text;
        try {
          text = Files.readString(task.resolve("children"));
        } catch (NoSuchFileException gone) {
          continue;
        }
        for (String pid : text.trim().split("\\s+")) {
          if (!pid.isEmpty()) {
            pids.add(Integer.parseInt(pid));
          }
        }
      }
    } catch (IOException e) {
      log.warn("cannot list child processes: {}", e.toString());
    }
    return pids;
  }

  static boolean isZombieChild(int pid) {
    return Processes.state(pid).filter(state -> state == 'Z').isPresent();
  }
}
