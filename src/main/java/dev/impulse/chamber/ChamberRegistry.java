package dev.impulse.chamber;

import dev.impulse.store.ChamberRow;
import dev.impulse.store.EventRow;
import dev.impulse.store.Store;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The chambers impulse knows, and the one writer of their records. Every change is written to the
 * store (with its event, in one transaction) before it becomes visible, so an answer the API gave
 * is never lost. Callers hold the chamber's own lock for changes; there is no other lock, so
 * changes of different chambers go to the store together and share its commits.
 */
final class ChamberRegistry {
  static final String STATUS = "status";
  static final String HEALTH = "health";

  private final Map<String, LiveChamber> chambers = new ConcurrentHashMap<>();

  /** Ids being recorded: taken, not yet known. */
  private final Set<String> adding = ConcurrentHashMap.newKeySet();

  private final Store store;
  private final SpecJson specs;
  private final InstantSource clock;

  ChamberRegistry(Store store, SpecJson specs, InstantSource clock) {
    this.store = store;
    this.specs = specs;
    this.clock = clock;
  }

  /**
   * Records a new chamber and then makes it known: it is listed only once its record is durable,
   * and when recording fails nothing is known of it. Throws when its id is taken.
   */
  void add(LiveChamber live) {
    Chamber chamber = live.chamber();
    if (chambers.containsKey(chamber.id()) || !adding.add(chamber.id())) {
      throw new IllegalStateException("chamber " + chamber.id() + " exists");
    }
    try {
      store.saveChamber(
          row(chamber),
          event(chamber.id(), STATUS, null, chamber.status().name(), chamber.reason()));
      chambers.put(chamber.id(), live);
    } finally {
      adding.remove(chamber.id());
    }
  }

  /** Makes known a chamber read back from the store, without writing it again. */
  void restore(LiveChamber live) {
    chambers.put(live.id, live);
  }

  Optional<LiveChamber> live(String id) {
    return Optional.ofNullable(chambers.get(id));
  }

  /** The chamber whose container is named {@code container} (its id, or its stem cell's name). */
  Optional<LiveChamber> byContainer(String container) {
    LiveChamber named = chambers.get(container);
    if (named != null && named.container.equals(container)) {
      return Optional.of(named);
    }
    return chambers.values().stream().filter(c -> c.container.equals(container)).findFirst();
  }

  Optional<Chamber> get(String id) {
    return live(id).map(LiveChamber::chamber);
  }

  /** Whether {@code id} is known or being recorded (so it cannot be given out twice). */
  boolean contains(String id) {
    return chambers.containsKey(id) || adding.contains(id);
  }

  /** All chambers, oldest first. */
  List<Chamber> list() {
    List<Chamber> all =
        new ArrayList<>(chambers.values().stream().map(LiveChamber::chamber).toList());
    all.sort(Comparator.comparingLong(Chamber::createdTimeMillis).thenComparing(Chamber::id));
    return all;
  }

  /** Every live chamber object, in no order. */
  List<LiveChamber> all() {
    return List.copyOf(chambers.values());
  }

  /** The chambers matching {@code filter}. */
  List<Chamber> find(Predicate<Chamber> filter) {
    return chambers.values().stream().map(LiveChamber::chamber).filter(filter).toList();
  }

  /**
   * Writes {@code after}, a change of {@code before}, with the event it makes: a status event when
   * the status changed (or {@code note} is set), a health event when the health did, none for other
   * recorded fields. Changes of what is kept only in memory (when a probe last succeeded) are not
   * written. Call with the chamber's lock held.
   */
  void record(Chamber before, Chamber after, Optional<String> note) {
    Optional<EventRow> event;
    if (before.status() != after.status()
        || note.isPresent() && before.health() == after.health()) {
      event = event(after.id(), STATUS, before.status().name(), after.status().name(), note);
    } else if (before.health() != after.health()) {
      event = event(after.id(), HEALTH, before.health().name(), after.health().name(), note);
    } else if (sameRecord(before, after)) {
      return;
    } else {
      event = Optional.empty();
    }
    store.saveChamber(row(after), event);
  }

  /** Forgets chamber {@code id}, recording a DELETED event. Call with its lock held. */
  void remove(LiveChamber live, Optional<String> reason) {
    Chamber before = live.chamber();
    store.deleteChamber(
        live.id, event(live.id, STATUS, before.status().name(), ChamberEvent.DELETED, reason));
    chambers.remove(live.id, live);
  }

  private static boolean sameRecord(Chamber a, Chamber b) {
    return a.status() == b.status()
        && a.health() == b.health()
        && a.restarts() == b.restarts()
        && a.exitCode().equals(b.exitCode())
        && Objects.equals(a.reason(), b.reason());
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
        c.lastHealthyMillis(),
        c.container().equals(c.id()) ? null : c.container(),
        c.deployment().orElse(null));
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
        r.lastHealthyMillis(),
        r.container() == null ? r.id() : r.container(),
        Optional.ofNullable(r.deployment()));
  }

  private Optional<EventRow> event(
      String id, String kind, String from, String to, Optional<String> reason) {
    return Optional.of(
        new EventRow(
            0, id, kind, from, to, clock.millis(), reason.map(Reasons::bound).orElse(null)));
  }
}
