package dev.impulse.chamber;

import dev.impulse.store.EventRow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * The event log as clients see it: the newest events kept in memory (and in the store, so they
 * survive a restart), and live subscribers told of each new one in order. Thread-safe; subscribers
 * are called on the store's writer thread and must not block.
 */
public final class ChamberEvents {
  private final int retained;
  private final Deque<ChamberEvent> recent = new ArrayDeque<>();
  private final Set<Consumer<ChamberEvent>> subscribers = new CopyOnWriteArraySet<>();

  /** Keeps the newest {@code retained} events. */
  public ChamberEvents(int retained) {
    this.retained = retained;
  }

  /** How many events are kept. */
  public int retained() {
    return retained;
  }

  /** Loads events read back from the store at start-up, oldest first. */
  void load(List<EventRow> rows) {
    rows.forEach(this::remember);
  }

  /** Takes a committed event (in sequence order) and tells the subscribers. */
  void accept(EventRow row) {
    ChamberEvent event = remember(row);
    for (Consumer<ChamberEvent> subscriber : subscribers) {
      subscriber.accept(event);
    }
  }

  private synchronized ChamberEvent remember(EventRow row) {
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
    while (recent.size() > retained) {
      recent.removeFirst();
    }
    return event;
  }

  /** The kept events after {@code seq}, oldest first. */
  public synchronized List<ChamberEvent> after(long seq) {
    List<ChamberEvent> events = new ArrayList<>();
    for (ChamberEvent event : recent) {
      if (event.seq() > seq) {
        events.add(event);
      }
    }
    return events;
  }

  /** The oldest kept event's sequence number, or 0 when none is kept. */
  public synchronized long oldestSeq() {
    return recent.isEmpty() ? 0 : recent.getFirst().seq();
  }

  /** Tells {@code subscriber} of every new event until the returned handle is closed. */
  public AutoCloseable subscribe(Consumer<ChamberEvent> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }
}
