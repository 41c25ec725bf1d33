package dev.impulse.chamber;

import dev.impulse.store.ChamberRow;
import dev.impulse.store.EventRow;
import dev.impulse.store.Store;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The chambers impulse knows, served from memory. Every change is written to the store (with its
 * event, in one transaction) before it becomes visible, so an answer the API gave is never lost.
 * Status changes go through {@link #transition}, which enforces {@link ChamberStatus#canBecome}.
 * Thread-safe: changes to one chamber are serialised.
 */
final class ChamberRegistry {
  static final String STATUS = "status";
  static final String HEALTH = "health";

  private final Map<String, Chamber> chambers = new ConcurrentHashMap<>();
  private final Store store;
  private final SpecJson specs;
  private final InstantSource clock;
  private final Object[] stripes = new Object[64];

  ChamberRegistry(Store store, SpecJson specs, InstantSource clock) {
    this.store = store;
    this.specs = specs;
    this.clock = clock;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new Object();
    }
  }

  /** Adds a new chamber. */
  void add(Chamber chamber) {
    synchronized (lockFor(chamber.id())) {
      if (chambers.containsKey(chamber.id())) {
        throw new IllegalStateException("chamber " + chamber.id() + " exists");
      }
      save(chamber, event(chamber.id(), STATUS, null, chamber.status().name(), chamber.reason()));
    }
  }

  /** Loads a chamber read back from the store, without writing it again. */
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
   * {@code from} is empty) and the move is allowed; returns the new snapshot, or empty otherwise.
   */
  Optional<Chamber> transition(
      String id,
      ChamberStatus next,
      Optional<Integer> exitCode,
      Optional<String> reason,
      ChamberStatus... from) {
    synchronized (lockFor(id)) {
      Chamber before = chambers.get(id);
      if (before == null || !allowed(before.status(), from) || !before.status().canBecome(next)) {
        return Optional.empty();
      }
      Chamber after = before.moveTo(next, exitCode, reason);
      save(after, event(id, STATUS, before.status().name(), next.name(), reason));
      return Optional.of(after);
    }
  }

  /**
   * Applies {@code change} to chamber {@code id} without a status change (a restart count, an exit
   * code learnt late, its health); writes an event when its health changed.
   */
  Optional<Chamber> update(String id, UnaryOperator<Chamber> change, Optional<String> reason) {
    synchronized (lockFor(id)) {
      Chamber before = chambers.get(id);
      if (before == null) {
        return Optional.empty();
      }
      Chamber after = change.apply(before);
      Optional<EventRow> event =
          before.health() == after.health()
              ? Optional.empty()
              : event(id, HEALTH, before.health().name(), after.health().name(), reason);
      save(after, event);
      return Optional.of(after);
    }
  }

  /** Gives chamber {@code id} a new reason in its status, recorded as an event of its own. */
  Optional<Chamber> note(String id, String reason) {
    synchronized (lockFor(id)) {
      Chamber before = chambers.get(id);
      if (before == null) {
        return Optional.empty();
      }
      Chamber after = before.withReason(Optional.of(reason));
      String status = before.status().name();
      save(after, event(id, STATUS, status, status, Optional.of(reason)));
      return Optional.of(after);
    }
  }

  /**
   * Changes a chamber in memory only: for facts that change often and matter little after a restart
   * (when a probe last succeeded).
   */
  void touch(String id, UnaryOperator<Chamber> change) {
    synchronized (lockFor(id)) {
      chambers.computeIfPresent(id, (k, c) -> change.apply(c));
    }
  }

  /** Forgets chamber {@code id}. */
  void remove(String id, Optional<String> reason) {
    synchronized (lockFor(id)) {
      Chamber before = chambers.get(id);
      if (before == null) {
        return;
      }
      store.deleteChamber(
          id, event(id, STATUS, before.status().name(), ChamberEvent.DELETED, reason));
      chambers.remove(id);
    }
  }

  private void save(Chamber chamber, Optional<EventRow> event) {
    store.saveChamber(row(chamber), event);
    chambers.put(chamber.id(), chamber);
  }

  ChamberRow row(Chamber c) {
    return new ChamberRow(
        c.id(),
        specs.write(c.spec()),
        c.port(),
        c.createdTimeMillis(),
        c.status().name(),
        c.exitCode().orElse(null),
        c.reason().orElse(null),
        c.restarts(),
        c.health().name(),
        c.lastHealthyMillis());
  }

  Chamber fromRow(ChamberRow r) {
    return new Chamber(
        r.id(),
        specs.read(r.spec()),
        r.port(),
        r.createdTimeMillis(),
        ChamberStatus.valueOf(r.status()),
        Optional.ofNullable(r.exitCode()),
        Optional.ofNullable(r.reason()),
        r.restarts(),
        Health.valueOf(r.health()),
        r.lastHealthyMillis());
  }

  private Optional<EventRow> event(
      String id, String kind, String from, String to, Optional<String> reason) {
    return Optional.of(
        new EventRow(
            0, id, kind, from, to, clock.millis(), reason.map(Reasons::bound).orElse(null)));
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
}
