package dev.impulse.image;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * What keeps a prune of the layer store from removing layers about to be used: pulls hold the store
 * lock to read from their first layer until their record is written, a prune to write (so it never
 * removes what a pull has stored but no record names yet); and the layers of a runtime pulled again
 * or deleted count as used for {@link #RETIRED_NANOS} more, as a chamber that resolved the runtime
 * just before mounts them a moment later. Thread-safe.
 */
final class LayerUse {
  /** How long a prune waits for the pulls storing layers before it gives up. */
  static final long PRUNE_WAIT_SECONDS = 10;

  /**
   * How long a retired runtime's layers still count as used: a chamber start takes well under a
   * second from resolving its runtime to mounting it.
   */
  static final long RETIRED_NANOS = 60L * 1_000_000_000;

  private final ReentrantReadWriteLock storeLock = new ReentrantReadWriteLock();
  private final Map<RuntimeDefinition, Long> retired = new HashMap<>();

  /** Runs {@code pull}, which stores layers, holding prunes off. */
  <T> T storing(Supplier<T> pull) {
    storeLock.readLock().lock();
    try {
      return pull.get();
    } finally {
      storeLock.readLock().unlock();
    }
  }

  /**
   * Runs {@code prune} once no pull stores layers; throws {@link RuntimeConflictException} when
   * pulls keep it waiting past {@link #PRUNE_WAIT_SECONDS}.
   */
  <T> T pruning(Supplier<T> prune) {
    boolean locked;
    try {
      locked = storeLock.writeLock().tryLock(PRUNE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      locked = false;
    }
    if (!locked) {
      throw new RuntimeConflictException(
          "a pull is storing layers; prune again once GET /runtimes shows no runtime PULLING");
    }
    try {
      return prune.get();
    } finally {
      storeLock.writeLock().unlock();
    }
  }

  /** Counts {@code runtime}'s layers as used for a while more. */
  synchronized void retire(RuntimeDefinition runtime) {
    retired.put(runtime, System.nanoTime());
  }

  /** Adds the layers of recently retired runtimes to {@code used}. */
  synchronized void addRetired(Set<Path> used) {
    long now = System.nanoTime();
    retired.values().removeIf(since -> now - since > RETIRED_NANOS);
    retired.keySet().forEach(r -> used.addAll(r.image().orElseThrow().layers()));
  }
}
