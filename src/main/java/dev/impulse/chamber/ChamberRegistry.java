package dev.impulse.chamber;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The chambers impulse knows, served from memory. Every change goes through {@link #transition}
 * (which enforces {@link ChamberStatus#canBecome}), is written to the journal first and then told
 * to listeners. Thread-safe: changes to one chamber are serialised.
 */
final class ChamberRegistry {
  /** Told of every change, after it is durable. */
  interface Listener {
    void changed(Optional<Chamber> before, Optional<Chamber> after);
  }

  private final Map<String, Chamber> chambers = new ConcurrentHashMap<>();
  private final ChamberJournal journal;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Object[] stripes = new Object[64];

  ChamberRegistry(ChamberJournal journal) {
    this.journal = journal;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new Object();
    }
  }

  void addListener(Listener listener) {
    listeners.add(listener);
  }

  /** Adds a new chamber. */
  void add(Chamber chamber) {
    synchronized (lockFor(chamber.id())) {
      if (chambers.containsKey(chamber.id())) {
        throw new IllegalStateException("chamber " + chamber.id() + " exists");
      }
      journal.save(chamber);
      chambers.put(chamber.id(), chamber);
    }
    notify(Optional.empty(), Optional.of(chamber));
  }

  /** Loads a chamber recovered from the journal, without writing it back. */
  void restore(Chamber chamber) {
    chambers.put(chamber.id(), chamber);
  }

  Optional<Chamber> get(String id) {
    return Optional.ofNullable(chambers.get(id));
  }

  boolean contains(String id) {
    return chambers.containsKey(id);
  }

  /** All chambers, oldest first. */
  List<Chamber> list() {
    List<Chamber> all = new ArrayList<>(chambers.values());
    all.sort(Comparator.comparingLong(Chamber::createdTimeMillis).thenComparing(Chamber::id));
    return all;
  }

  /** The chambers matching {@code filter}. */
  List<Chamber> find(Predicate<Chamber> filter) {
    return chambers.values().stream().filter(filter).toList();
  }

  /**
   * Moves chamber {@code id} to {@code next} if it is in one of {@code from} (any status when
   * {@code from} is empty); returns the new snapshot, or empty when the chamber is gone or in
   * another status.
   */
  Optional<Chamber> transition(
      String id,
      ChamberStatus next,
      Optional<Integer> exitCode,
      Optional<String> reason,
      ChamberStatus... from) {
    Chamber before;
    Chamber after;
    synchronized (lockFor(id)) {
      before = chambers.get(id);
      if (before == null || !allowed(before.status(), from) || !before.status().canBecome(next)) {
        return Optional.empty();
      }
      after = before.moveTo(next, exitCode, reason);
      journal.save(after);
      chambers.put(id, after);
    }
    notify(Optional.of(before), Optional.of(after));
    return Optional.of(after);
  }

  /** Replaces a chamber's record without a status change (a restart count, a health note). */
  void update(Chamber chamber) {
    Chamber before;
    synchronized (lockFor(chamber.id())) {
      before = chambers.get(chamber.id());
      if (before == null) {
        return;
      }
      journal.save(chamber);
      chambers.put(chamber.id(), chamber);
    }
    notify(Optional.of(before), Optional.of(chamber));
  }

  /** Forgets chamber {@code id}. */
  void remove(String id) {
    Chamber before;
    synchronized (lockFor(id)) {
      before = chambers.remove(id);
      if (before == null) {
        return;
      }
      journal.delete(id);
    }
    notify(Optional.of(before), Optional.empty());
  }

  private static boolean allowed(ChamberStatus status, ChamberStatus[] from) {
    if (from.length == 0) {
      return true;
    }
    for (ChamberStatus s : from) {
      if (s == status) {
        return true;
      }
    }
    return false;
  }

  private Object lockFor(String id) {
    return stripes[Math.floorMod(id.hashCode(), stripes.length)];
  }

  private void notify(Optional<Chamber> before, Optional<Chamber> after) {
    for (Listener listener : listeners) {
      listener.changed(before, after);
    }
  }
}
