package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

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

  private Chamber add(String id) {
    Chamber chamber = Chamber.starting(id, ChamberSpec.of("a", "1", "python3"), 6000, id.length());
    registry.add(chamber);
    return chamber;
  }

  @Test
  void everyChangeIsDurableAndCarriesItsEvent() {
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.RUNNING, Optional.empty(), Optional.empty());
    assertThat(store.chambers())
        .singleElement()
        .satisfies(row -> assertThat(row.status()).isEqualTo("RUNNING"));
    registry.remove("a-1-aaaaa", Optional.of("destroyed"));
    assertThat(store.chambers()).isEmpty();
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
  void aTransitionOnlyHappensFromTheExpectedStatus() {
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.FAILED, Optional.of(1), Optional.of("exited"));
    Optional<Chamber> late =
        registry.transition(
            "a-1-aaaaa",
            ChamberStatus.RUNNING,
            Optional.empty(),
            Optional.empty(),
            ChamberStatus.STARTING);
    assertThat(late).isEmpty();
    assertThat(registry.get("a-1-aaaaa").orElseThrow().status()).isEqualTo(ChamberStatus.FAILED);
  }

  @Test
  void anIllegalMoveIsIgnoredNotApplied() {
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.RUNNING, Optional.empty(), Optional.empty());
    assertThat(
            registry.transition(
                "a-1-aaaaa", ChamberStatus.STARTING, Optional.empty(), Optional.empty()))
        .isEmpty();
  }

  @Test
  void healthChangesAreEventsButProbeTimesAreNot() {
    add("a-1-aaaaa");
    registry.transition("a-1-aaaaa", ChamberStatus.RUNNING, Optional.empty(), Optional.empty());
    int before = events.size();
    registry.touch("a-1-aaaaa", c -> c.withHealth(Health.HEALTHY, 100));
    assertThat(events).hasSize(before);
    registry.update(
        "a-1-aaaaa", c -> c.withHealth(Health.UNHEALTHY, 100), Optional.of("no answer"));
    assertThat(events.getLast().kind()).isEqualTo("health");
    assertThat(events.getLast().to()).isEqualTo("UNHEALTHY");
    assertThat(store.chambers().getFirst().lastHealthyMillis()).isEqualTo(100);
  }

  @Test
  void whatIsStoredReadsBackTheSame() {
    ChamberSpec spec =
        specs.read(
            "{\"app\":\"a\",\"version\":\"1\",\"runtime\":\"python3\",\"env\":{\"K\":\"v\"},"
                + "\"memoryMb\":64,\"cpus\":0.5,\"restart\":\"on-failure\",\"maxRestarts\":2}");
    Chamber chamber = Chamber.starting("a-1-bbbbb", spec, 6001, 7);
    registry.add(chamber);
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
