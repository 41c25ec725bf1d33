package dev.impulse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @TempDir Path dir;

  private static ChamberRow row(String id, String status) {
    return new ChamberRow(id, "{}", 6000, 1, status, null, null, 0, "UNKNOWN", 0);
  }

  private static Optional<EventRow> event(String id, String to) {
    return Optional.of(new EventRow(0, id, "status", null, to, 5, null));
  }

  @Test
  void aNewStoreIsMigratedToTheLatestSchemaInWalMode() throws Exception {
    Store.open(dir.resolve("s.db")).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("s.db"));
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        assertThat(rs.getInt(1)).isEqualTo(Migrations.latest());
      }
      try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
        assertThat(rs.getString(1)).isEqualTo("wal");
      }
    }
  }

  @Test
  void aStoreFromANewerImpulseIsRefused() throws Exception {
    Store.open(dir.resolve("s.db")).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("s.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=" + (Migrations.latest() + 1));
    }
    assertThatThrownBy(() -> Store.open(dir.resolve("s.db")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("newer than this impulse knows");
  }

  @Test
  void whatWasWrittenIsThereAfterReopening() {
    try (Store store = Store.open(dir.resolve("s.db"))) {
      store.saveChamber(row("a-1-aaaaa", "STARTING"), event("a-1-aaaaa", "STARTING"));
      store.saveChamber(
          new ChamberRow(
              "a-1-aaaaa", "{\"app\":\"a\"}", 6001, 7, "FAILED", 137, "killed", 2, "UNKNOWN", 9),
          event("a-1-aaaaa", "FAILED"));
      store.saveFunction(new FunctionRow("a", "1", "abc", 10, 3));
      store.putMeta("boot_id", "b1");
    }
    try (Store store = Store.open(dir.resolve("s.db"))) {
      assertThat(store.chambers())
          .containsExactly(
              new ChamberRow(
                  "a-1-aaaaa",
                  "{\"app\":\"a\"}",
                  6001,
                  7,
                  "FAILED",
                  137,
                  "killed",
                  2,
                  "UNKNOWN",
                  9));
      assertThat(store.functions()).containsExactly(new FunctionRow("a", "1", "abc", 10, 3));
      assertThat(store.meta("boot_id")).contains("b1");
      assertThat(store.lastEvents(10))
          .extracting(EventRow::to)
          .containsExactly("STARTING", "FAILED");
    }
  }

  @Test
  void eventsAreNumberedInCommitOrderAndToldInThatOrder() throws Exception {
    List<Long> told = new CopyOnWriteArrayList<>();
    try (Store store = Store.open(dir.resolve("s.db"));
        ExecutorService writers = Executors.newFixedThreadPool(8)) {
      store.onEvent(e -> told.add(e.seq()));
      List<Future<Optional<EventRow>>> written = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = "c-1-" + i;
        written.add(
            writers.submit(() -> store.saveChamber(row(id, "STARTING"), event(id, "STARTING"))));
      }
      List<Long> seqs = new ArrayList<>();
      for (Future<Optional<EventRow>> w : written) {
        seqs.add(w.get().orElseThrow().seq());
      }
      assertThat(seqs).doesNotHaveDuplicates().allMatch(s -> s >= 1 && s <= 200);
      assertThat(told).containsExactlyElementsOf(told.stream().sorted().toList()).hasSize(200);
      assertThat(store.chambers()).hasSize(200);
    }
  }

  @Test
  void oneFailingWriteDoesNotUndoTheOthersCommittedWithIt() {
    try (Store store = Store.open(dir.resolve("s.db"))) {
      store.saveChamber(row("ok-1-aaaaa", "STARTING"), Optional.empty());
      assertThatThrownBy(() -> store.saveChamber(row(null, "STARTING"), Optional.empty()))
          .isInstanceOf(StoreException.class);
      store.saveChamber(row("ok-1-bbbbb", "STARTING"), Optional.empty());
      assertThat(store.chambers())
          .extracting(ChamberRow::id)
          .containsExactly("ok-1-aaaaa", "ok-1-bbbbb");
    }
  }

  @Test
  void deletingAChamberAndTrimmingEventsForget() {
    try (Store store = Store.open(dir.resolve("s.db"))) {
      for (int i = 0; i < 10; i++) {
        store.saveChamber(row("a-1-aaaaa", "STARTING"), event("a-1-aaaaa", "E" + i));
      }
      store.deleteChamber("a-1-aaaaa", event("a-1-aaaaa", "DELETED"));
      store.trimEvents(3);
      assertThat(store.chambers()).isEmpty();
      assertThat(store.lastEvents(100))
          .extracting(EventRow::to)
          .containsExactly("E8", "E9", "DELETED");
    }
  }

  @Test
  void aClosedStoreRefusesWork() {
    Store store = Store.open(dir.resolve("s.db"));
    store.close();
    assertThatThrownBy(store::chambers)
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }
}
