package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.store.EventRow;
import dev.impulse.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChamberRegistryTest {
  @TempDir Path dir;
  private Store store;
  private ChamberRegistry registry;
  private final List<EventRow> events = new CopyOnWriteArrayList<>();
  private final SpecJson specs = new SpecJson(new ObjectMapper());

  @BeforeEach
  void open() {
    store = Store.open(dir.resolve("impulse.db"), 0);
    store.onEvent(events::add);
    registry = new ChamberRegistry(store, specs, InstantSource.fixed(Instant.ofEpochMilli(42)));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private LiveChamber add(String id) {
    Chamber chamber = Chamber.starting(id, ChamberSpec.of("a", "1", "python3"), 6000, id.length());
    LiveChamber live = live(chamber);
    registry.add(live);
    return live;
  }

  private static LiveChamber live(Chamber chamber) {
    return new LiveChamber(
        Lifecycle.State.first(chamber),
        new Run(1, new StartupMarks(InstantSource.fixed(Instant.EPOCH))),
        true);
  }

  private static Chamber running(Chamber c) {
    return c.moveTo(ChamberStatus.RUNNING, Optional.empty(), Optional.empty());
  }

  @Test
  void everyChangeIsDurableAndCarriesItsEvent() {
    LiveChamber live = add("a-1-aaaaa");
    registry.record(live.chamber(), running(live.chamber()), Optional.empty());
    assertThat(store.chambers())
        .singleElement()
        .satisfies(row -> assertThat(row.status()).isEqualTo("RUNNING"));
    live.lock.lock();
    live.setState(Lifecycle.State.first(running(live.chamber())));
    live.lock.unlock();
    registry.remove(live, Optional.of("destroyed"));
    assertThat(store.chambers()).isEmpty();
    assertThat(registry.contains("a-1-aaaaa")).isFalse();
    assertThat(events)
        .extracting(EventRow::from, EventRow::to)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(null, "STARTING"),
            org.assertj.core.groups.Tuple.tuple("STARTING", "RUNNING"),
            org.assertj.core.groups.Tuple.tuple("RUNNING", "DELETED"));
    assertThat(events).extracting(EventRow::seq).containsExactly(1L, 2L, 3L);
    assertThat(events).allSatisfy(e -> assertThat(e.timeMillis()).isEqualTo(42));
  }

  @Test
  void aChamberWhoseRecordCannotBeWrittenIsNotKnown() {
    store.close();
    Chamber chamber = Chamber.starting("a-1-ccccc", ChamberSpec.of("a", "1", "python3"), 6000, 1);
    assertThatThrownBy(() -> registry.add(live(chamber))).isInstanceOf(RuntimeException.class);
    assertThat(registry.contains("a-1-ccccc")).isFalse();
    store = Store.open(dir.resolve("impulse.db"), 0);
  }

  @Test
  void aTakenIdIsRefused() {
    add("a-1-aaaaa");
    assertThatThrownBy(() -> add("a-1-aaaaa")).isInstanceOf(IllegalStateException.class);
    assertThat(store.chambers()).hasSize(1);
  }

  @Test
  void healthChangesAreEventsButProbeTimesAreNot() {
    LiveChamber live = add("a-1-aaaaa");
    Chamber running = running(live.chamber());
    registry.record(live.chamber(), running, Optional.empty());
    int before = events.size();
    registry.record(running, running.withHealth(Health.UNKNOWN, 100), Optional.empty());
    assertThat(events).hasSize(before);
    registry.record(running, running.withHealth(Health.UNHEALTHY, 100), Optional.of("no answer"));
    assertThat(events.getLast().kind()).isEqualTo("health");
    assertThat(events.getLast().to()).isEqualTo("UNHEALTHY");
    assertThat(events.getLast().reason()).isEqualTo("no answer");
    assertThat(store.chambers().getFirst().lastHealthyMillis()).isEqualTo(100);
  }

  @Test
  void aNewReasonInTheSameStatusIsAnEventOfItsOwn() {
    LiveChamber live = add("a-1-aaaaa");
    Chamber noted = live.chamber().withReason(Optional.of("starting again"));
    registry.record(live.chamber(), noted, Optional.of("starting again"));
    assertThat(events.getLast().from()).isEqualTo("STARTING");
    assertThat(events.getLast().to()).isEqualTo("STARTING");
    assertThat(events.getLast().reason()).isEqualTo("starting again");
  }

  @Test
  void whatIsStoredReadsBackTheSame() {
    ChamberSpec spec =
        specs.read(
            "{\"app\":\"a\",\"version\":\"1\",\"runtime\":\"python3\",\"env\":{\"K\":\"v\"},"
                + "\"memoryMb\":64,\"cpus\":0.5,\"restart\":\"on-failure\",\"maxRestarts\":2}");
    Chamber chamber = Chamber.starting("a-1-bbbbb", spec, 6001, 7);
    registry.add(live(chamber));
    ChamberRegistry reopened = new ChamberRegistry(store, specs, InstantSource.system());
    Chamber read = reopened.fromRow(store.chambers().getFirst());
    assertThat(read).isEqualTo(chamber);
  }

  @Test
  void listsOldestFirst() {
    add("b-1-bbbbbbb");
    add("a-1-aaa");
    assertThat(registry.list()).extracting(Chamber::id).containsExactly("a-1-aaa", "b-1-bbbbbbb");
  }
}
