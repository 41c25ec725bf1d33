package dev.impulse.chamber;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pools of stem cells, one per runtime, and the one background thread that fills them, a cell
 * at a time, so that refilling never competes with a create for more than one start. A create
 * {@link #take}s a ready cell when its spec fits one; otherwise it starts cold.
 *
 * <p>Cells are not chambers: they are never listed or recorded. A daemon that stops removes its
 * cells; a daemon that starts removes the cells an earlier one left (recovery finds their
 * containers unknown to the store), and fills its pools anew.
 */
final class CellPools implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CellPools.class);

  /** The most cells one runtime's pool may hold. */
  static final int MAX_SIZE = 64;

  /** The most cells all pools may hold: pulled runtimes can each have a pool. */
  static final int MAX_TOTAL = 256;

  /** How often a pool waiting for its baseimage, or after a failed cell, looks again. */
  static final Duration RETRY = Duration.ofSeconds(2);

  /**
   * How long the filler keeps still after a create took a cell: the create's specialisation and
   * first call need the CPU more than the next cell does.
   */
  static final Duration QUIET_AFTER_TAKE = Duration.ofMillis(250);

  /** The longest wait after cells failed to start in a row. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  private final CellFactory factory;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Integer> sizes = new LinkedHashMap<>();
  private final Map<String, Deque<StemCell>> ready = new LinkedHashMap<>();
  private final Map<String, Integer> failures = new LinkedHashMap<>();
  private final Map<String, Long> retryAt = new LinkedHashMap<>();
  private String starting;
  private long lastTake = System.nanoTime() - QUIET_AFTER_TAKE.toNanos();
  private boolean closed;
  private Thread filler;

  CellPools(CellFactory factory, List<String> runtimes, int size) {
    this.factory = factory;
    for (String runtime : runtimes) {
      sizes.put(runtime, size);
      ready.put(runtime, new ArrayDeque<>());
    }
  }

  /** Starts filling the pools; call once recovery released what an earlier daemon left. */
  void start() {
    filler = Thread.ofVirtual().name("cell-pools").start(this::fill);
  }

  /**
   * A ready cell of {@code runtime} claimed for {@code spec}, or empty when there is none or the
   * spec needs what a cell cannot change once started ({@link CellFactory#fits}).
   */
  Optional<StemCell> take(String runtime, ChamberSpec spec) {
    if (!factory.fits(spec)) {
      return Optional.empty();
    }
    lock.lock();
    try {
      Deque<StemCell> cells = ready.get(runtime);
      while (cells != null && !cells.isEmpty()) {
        StemCell cell = cells.poll();
        if (cell.take()) {
          lastTake = System.nanoTime();
          changed.signalAll();
          return Optional.of(cell);
        }
      }
      return Optional.empty();
    } finally {
      lock.unlock();
    }
  }

  /** Changes a pool's size; cells beyond it are removed in the background. */
  void resize(String runtime, int size) {
    if (size < 0 || size > MAX_SIZE) {
      throw new IllegalArgumentException("a pool's size is 0 to " + MAX_SIZE);
    }
    List<StemCell> extra = new ArrayList<>();
    lock.lock();
    try {
      checkTotal(sizes, runtime, size);
      if (!sizes.containsKey(runtime)) {
        if (!factory.runtimes(false).contains(runtime)) {
          throw new InvalidSpecException(
              "runtime " + runtime + " has no pool: its guest is the server, started per chamber");
        }
        ready.put(runtime, new ArrayDeque<>()); // a pulled runtime's first pool
      }
      sizes.put(runtime, size);
      failures.remove(runtime);
      retryAt.remove(runtime);
      Deque<StemCell> cells = ready.get(runtime);
      while (cells.size() > size) {
        StemCell cell = cells.pollLast();
        if (cell.take()) {
          extra.add(cell);
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    extra.forEach(cell -> Thread.ofVirtual().start(() -> factory.destroy(cell, "pool resized")));
  }

  /** Refuses a size that would take the pools of this node past {@link #MAX_TOTAL} cells. */
  static void checkTotal(Map<String, Integer> sizes, String runtime, int size) {
    int others =
        sizes.entrySet().stream()
            .filter(e -> !e.getKey().equals(runtime))
            .mapToInt(Map.Entry::getValue)
            .sum();
    if (others + size > MAX_TOTAL) {
      throw new InvalidSpecException(
          "the pools of this node hold at most "
              + MAX_TOTAL
              + " cells in all, and the others hold "
              + others
              + "; make another pool smaller first");
    }
  }

  /** Every runtime's pool. */
  Map<String, PoolState> states() {
    Map<String, PoolState> states = new LinkedHashMap<>();
    Map<String, List<StemCell>> cells = new LinkedHashMap<>();
    lock.lock();
    try {
      for (var entry : sizes.entrySet()) {
        String runtime = entry.getKey();
        List<StemCell> held = List.copyOf(ready.get(runtime));
        cells.put(runtime, held);
        states.put(
            runtime,
            new PoolState(
                entry.getValue(),
                held.size(),
                runtime.equals(starting) ? 1 : 0,
                0,
                held.stream().map(StemCell::name).toList()));
      }
    } finally {
      lock.unlock();
    }
    // Their memory is read outside the lock: a few cgroup files per cell.
    states.replaceAll((runtime, s) ->
        new PoolState(
            s.size(),
            s.ready(),
            s.starting(),
            cells.get(runtime).stream().mapToLong(factory::memoryBytes).sum(),
            s.cells()));
    return states;
  }

  private void fill() {
    while (true) {
      String runtime;
      lock.lock();
      try {
        while (true) {
          runtime = closed ? null : wanting();
          long quiet = QUIET_AFTER_TAKE.toNanos() - (System.nanoTime() - lastTake);
          if (closed || runtime != null && quiet <= 0) {
            break;
          }
          changed.awaitNanos(runtime == null ? RETRY.toNanos() : quiet);
        }
        if (closed) {
          return;
        }
        starting = runtime;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      Optional<StemCell> cell = factory.make(runtime);
      boolean keep;
      lock.lock();
      try {
        starting = null;
        keep = cell.isPresent() && !closed && ready.get(runtime).size() < sizes.get(runtime);
        if (keep) {
          ready.get(runtime).add(cell.get());
          failures.remove(runtime);
          retryAt.remove(runtime);
        } else if (cell.isEmpty()) {
          // Back off: a runtime whose cells fail must not keep the machine busy starting them.
          int failed = failures.merge(runtime, 1, Integer::sum);
          long wait = Math.min(RETRY.toNanos() << Math.min(failed - 1, 10), MAX_BACKOFF.toNanos());
          retryAt.put(runtime, System.nanoTime() + wait);
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (keep) {
        StemCell made = cell.get();
        Thread.ofVirtual().name("cell-watch").start(() -> watch(made));
      } else if (cell.isPresent() && cell.get().take()) {
        factory.destroy(cell.get(), "no longer wanted");
      }
    }
  }

  /** The next runtime short of cells whose baseimage is built, or null. */
  private String wanting() {
    for (var entry : sizes.entrySet()) {
      String runtime = entry.getKey();
      if (ready.get(runtime).size() < entry.getValue()
          && (!retryAt.containsKey(runtime) || retryAt.get(runtime) - System.nanoTime() <= 0)
          && factory.canMake(runtime)) {
        return runtime;
      }
    }
    return null;
  }

  /** A ready cell whose wrapper hangs up died: it leaves the pool, which makes another. */
  private void watch(StemCell cell) {
    cell.control().awaitHangUp();
    cell.control().close();
    if (!cell.take()) {
      return; // taken by a create (which hung up on it), by a resize or by close
    }
    lock.lock();
    try {
      ready.get(cell.runtime()).remove(cell);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    factory.destroy(cell, "its wrapper ended before it was used");
  }

  /** Stops filling and removes every ready cell. */
  @Override
  public void close() {
    List<StemCell> all = new ArrayList<>();
    lock.lock();
    try {
      closed = true;
      for (Deque<StemCell> cells : ready.values()) {
        for (StemCell cell : cells) {
          if (cell.take()) {
            all.add(cell);
          }
        }
        cells.clear();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (filler != null) {
      filler.interrupt();
      try {
        filler.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    all.forEach(cell -> factory.destroy(cell, "the daemon stops"));
  }

  /** Makes cell names: {@code cell.<runtime>.<5 letters>}, never a chamber id. */
  static final class Names {
    /** 26^12 names: a repeat among live cells is out of reach; the factory checks anyway. */
    static final int SUFFIX_LENGTH = 12;

    private final RandomGenerator random = new SecureRandom();

    /**
     * A chamber id ends in a dash and five letters; a cell name in a dot and five letters, so the
     * two never meet.
     */
    String next(String runtime) {
      StringBuilder name = new StringBuilder("cell.").append(runtime).append('.');
      for (int i = 0; i < SUFFIX_LENGTH; i++) {
        name.append((char) ('a' + random.nextInt(26)));
      }
      return name.toString();
    }
  }
}
