package dev.impulse.chamber;

import dev.impulse.store.EventRow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/**
 * The event log as clients see it. The newest events are kept in memory, at most {@link
 * #MEMORY_EVENTS} of them and {@link #MEMORY_BYTES} of text; older ones still retained (the store
 * keeps {@code --events-retained}) are read from the store a page at a time. Readers pull: each
 * stream keeps its own position and asks for what follows it, waiting when there is nothing new, so
 * a slow or stalled reader holds at most one page and never a queue of its own. Thread-safe; {@link
 * #accept} is called on the store's writer thread in sequence order.
 */
public final class ChamberEvents {
  static final int MEMORY_EVENTS = 2048;
  static final long MEMORY_BYTES = 4L * 1024 * 1024;

  /** The most events one call hands out. */
  public static final int PAGE = 128;

  private final int retained;
  private final BiFunction<Long, Integer, List<EventRow>> stored;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final Deque<ChamberEvent> recent = new ArrayDeque<>();
  private long recentBytes;
  private long latest;
  private long oldest;

  /**
   * @param retained how many events the store keeps for replay
   * @param stored reads up to {@code limit} stored events after {@code seq}, oldest first
   */
  public ChamberEvents(int retained, BiFunction<Long, Integer, List<EventRow>> stored) {
    this.retained = retained;
    this.stored = stored;
  }

  /** How many events are kept. */
  public int retained() {
    return retained;
  }

  /** Loads events read back from the store at start-up, oldest first. */
  void load(List<EventRow> rows) {
    lock.lock();
    try {
      rows.forEach(this::remember);
      if (!rows.isEmpty()) {
        oldest = rows.getFirst().seq();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Takes a committed event (in sequence order) and wakes the readers. */
  void accept(EventRow row) {
    lock.lock();
    try {
      remember(row);
      if (oldest == 0) {
        oldest = row.seq();
      }
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The store dropped events up to the newest {@code retained}: they are not replayed. */
  void trimmed() {
    lock.lock();
    try {
      oldest = Math.max(oldest, latest - retained + 1);
    } finally {
      lock.unlock();
    }
  }

  private void remember(EventRow row) {
    ChamberEvent event =
        new ChamberEvent(
            row.seq(),
            row.chamber(),
            row.kind(),
            Optional.ofNullable(row.from()),
            row.to(),
            row.timeMillis(),
            Optional.ofNullable(row.reason()));
    recent.addLast(event);
    recentBytes += size(event);
    latest = Math.max(latest, event.seq());
    while (recent.size() > MEMORY_EVENTS || recentBytes > MEMORY_BYTES) {
      recentBytes -= size(recent.removeFirst());
    }
  }

  private static long size(ChamberEvent event) {
    return 96L + event.chamber().length() + event.reason().map(String::length).orElse(0);
  }

  /**
   * Up to {@link #PAGE} kept events after {@code seq}, oldest first: from memory when they are
   * there, else from the store.
   */
  public List<ChamberEvent> after(long seq) {
    lock.lock();
    try {
      if (!recent.isEmpty() && recent.getFirst().seq() <= seq + 1) {
        List<ChamberEvent> page = new ArrayList<>();
        for (ChamberEvent event : recent) {
          if (event.seq() > seq) {
            page.add(event);
            if (page.size() == PAGE) {
              break;
            }
          }
        }
        return page;
      }
      if (seq >= latest) {
        return List.of();
      }
    } finally {
      lock.unlock();
    }
    return stored.apply(seq, PAGE).stream()
        .map(r ->
            new ChamberEvent(
                r.seq(),
                r.chamber(),
                r.kind(),
                Optional.ofNullable(r.from()),
                r.to(),
                r.timeMillis(),
                Optional.ofNullable(r.reason())))
        .toList();
  }

  /** The newest event's sequence number, or 0 when there is none. */
  public long latest() {
    lock.lock();
    try {
      return latest;
    } finally {
      lock.unlock();
    }
  }

  /** The oldest event still kept for replay, or 0 when none is kept. */
  public long oldestSeq() {
    lock.lock();
    try {
      return oldest;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until an event after {@code seq} exists or {@code timeout} passes; returns whether one
   * does.
   */
  public boolean awaitAfter(long seq, Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (latest <= seq) {
        if (nanos <= 0) {
          return false;
        }
        nanos = arrived.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
