package dev.impulse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

// A store that fails to complete a task would hang the build instead of failing it.
@Timeout(60)
class StoreTest {
  private static final String SQLITE_FULL =
      "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)";

  @TempDir Path dir;

  private static ChamberRow row(String id, String status) {
    return new ChamberRow(id, "{}", 6000, 1, status, null, null, 0, "UNKNOWN", 0, null, null);
  }

  private static Optional<EventRow> event(String id, String to) {
    return Optional.of(new EventRow(0, id, "status", null, to, 5, null));
  }

  @Test
  void aNewStoreIsMigratedToTheLatestSchemaInWalMode() throws Exception {
    Store.open(dir.resolve("s.db"), 0).close();
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
  void theStoreAndItsWalAreForRootAlone() throws Exception {
    Path file = dir.resolve("s.db");
    try (Store store = Store.open(file, 0)) {
      store.saveFunction(new FunctionRow("a", "1", "abc", 10, 3));
      for (String name : List.of("s.db", "s.db-wal", "s.db-shm")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))))
            .as(name)
            .isEqualTo("rw-------");
      }
    }
    // One an older impulse left readable by all (SQLite's 0644), with its WAL.
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Files.write(dir.resolve("s.db-wal"), new byte[0]);
    Files.setPosixFilePermissions(
        dir.resolve("s.db-wal"), PosixFilePermissions.fromString("rw-r--r--"));
    try (Store store = Store.open(file, 0)) {
      assertThat(store.functions()).hasSize(1);
      for (String name : List.of("s.db", "s.db-wal")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))))
            .as(name)
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void aStoreFromANewerImpulseIsRefused() throws Exception {
    Store.open(dir.resolve("s.db"), 0).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("s.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version=" + (Migrations.latest() + 1));
    }
    assertThatThrownBy(() -> Store.open(dir.resolve("s.db"), 0))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("newer than this impulse knows");
    assertThat(OpenFiles.under(dir)).isEmpty();
  }

  @Test
  void whatWasWrittenIsThereAfterReopening() {
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
      store.saveChamber(row("a-1-aaaaa", "STARTING"), event("a-1-aaaaa", "STARTING"));
      store.saveChamber(
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
              9,
              "cell.python3.11.abcde",
              "a"),
          event("a-1-aaaaa", "FAILED"));
      store.saveFunction(new FunctionRow("a", "1", "abc", 10, 3));
      store.putMeta("boot_id", "b1");
      store.saveDeployment(new DeploymentRow("a", "{}", 3, 4), Optional.empty());
      store.saveDeployment(new DeploymentRow("b", "{}", 5, 6), Optional.empty());
      store.deleteDeployment("b", Optional.empty());
    }
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
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
                  9,
                  "cell.python3.11.abcde",
                  "a"));
      assertThat(store.functions()).containsExactly(new FunctionRow("a", "1", "abc", 10, 3));
      assertThat(store.meta("boot_id")).contains("b1");
      assertThat(store.deployments()).containsExactly(new DeploymentRow("a", "{}", 3, 4));
      assertThat(store.lastEvents(10))
          .extracting(EventRow::to)
          .containsExactly("STARTING", "FAILED");
    }
  }

  @Test
  void eventsAreNumberedInCommitOrderAndToldInThatOrder() throws Exception {
    List<Long> told = new CopyOnWriteArrayList<>();
    try (Store store = Store.open(dir.resolve("s.db"), 0);
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
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
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
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
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
    Store store = Store.open(dir.resolve("s.db"), 0);
    store.close();
    assertThatThrownBy(store::chambers)
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }

  // ---- recovery from failed transactions ----

  @Test
  void aFullDiskFailsEveryTaskOfItsBatchAndLaterBatchesSucceedOnceThereIsRoom() throws Exception {
    Path db = dir.resolve("s.db");
    try (Store store = Store.open(db, 0)) {
      store.saveChamber(row("a-1-aaaaa", "RUNNING"), event("a-1-aaaaa", "RUNNING"));
      limitToCurrentSize(store);

      CountDownLatch release = holdWriter(store);
      CompletableFuture<Integer> fits = store.enqueue("small write", insertMeta("small", "v"));
      CompletableFuture<Integer> tooBig =
          store.enqueue("big write", c -> insertMeta("big", bigText()).run(c));
      release.countDown();

      for (CompletableFuture<?> task : List.of(fits, tooBig)) {
        assertThatThrownBy(task::join)
            .isInstanceOf(CompletionException.class)
            .cause()
            .isInstanceOf(DiskFullException.class)
            .hasMessageContaining("write failed")
            .hasMessageContaining("is full")
            .satisfies(e -> assertThat(((DiskFullException) e).path()).isEqualTo(db));
      }
      assertThat(store.meta("small")).as("the write that fitted shared the failed batch").isEmpty();

      pragma(store, "max_page_count=1000000");
      store.putMeta("small", "v");
      store.saveChamber(row("b-1-bbbbb", "RUNNING"), bigEvent("b-1-bbbbb"));
      assertThat(store.meta("small")).contains("v");
      assertConsistent(store, "a-1-aaaaa", "b-1-bbbbb");
    }
  }

  @Test
  void aChamberAndItsEventAreWrittenTogetherOrNotAtAll() throws Exception {
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
      store.saveChamber(row("a-1-aaaaa", "RUNNING"), event("a-1-aaaaa", "RUNNING"));
      limitToCurrentSize(store);
      // a small row still fits: what fails below is the event that comes with it
      store.saveChamber(row("a-1-aaaaa", "STOPPING"), Optional.empty());

      assertThatThrownBy(() -> store.saveChamber(row("b-1-bbbbb", "STARTING"), bigEvent("b-1")))
          .isInstanceOf(DiskFullException.class)
          .hasMessageContaining("saving chamber b-1-bbbbb failed");

      assertThat(store.chambers()).extracting(ChamberRow::id).containsExactly("a-1-aaaaa");
      assertConsistent(store, "a-1-aaaaa");
    }
  }

  @Test
  void aTransactionSqliteRolledBackByItselfDoesNotFailLaterCommits() throws Exception {
    // What SQLITE_FULL does to an open transaction: later commits used to fail with "cannot
    // commit - no transaction is active" until a restart.
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
      store.saveChamber(row("a-1-aaaaa", "RUNNING"), event("a-1-aaaaa", "RUNNING"));
      CompletableFuture<Object> rolledBack =
          store.enqueue(
              "rolled back",
              c -> {
                try (Statement s = c.createStatement()) {
                  s.execute("ROLLBACK");
                }
                return null;
              });
      assertThatThrownBy(rolledBack::join).cause().isInstanceOf(StoreException.class);

      for (int i = 0; i < 3; i++) {
        store.saveChamber(row("b-1-" + i, "RUNNING"), event("b-1-" + i, "RUNNING"));
      }
      assertConsistent(store, "a-1-aaaaa", "b-1-0", "b-1-1", "b-1-2");
    }
  }

  @Test
  void aConnectionThatCannotBeRolledBackIsReplacedByOneWithTheSamePragmas() throws Exception {
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
      store.saveChamber(row("a-1-aaaaa", "RUNNING"), event("a-1-aaaaa", "RUNNING"));
      pragma(store, "cache_size=123"); // set on this connection only
      CompletableFuture<Object> broken =
          store.enqueue(
              "closing the connection",
              c -> {
                c.close();
                return null;
              });
      assertThatThrownBy(broken::join).cause().isInstanceOf(StoreException.class);

      store.saveChamber(row("b-1-bbbbb", "RUNNING"), event("b-1-bbbbb", "RUNNING"));
      assertThat(pragma(store, "cache_size")).as("a new connection").isNotEqualTo("123");
      assertThat(pragma(store, "journal_mode")).isEqualTo("wal");
      assertThat(pragma(store, "synchronous")).as("FULL").isEqualTo("2");
      assertThat(pragma(store, "busy_timeout")).isEqualTo("5000");
      assertConsistent(store, "a-1-aaaaa", "b-1-bbbbb");
    }
    assertThat(OpenFiles.under(dir)).isEmpty();
  }

  // ---- the reserve ----

  @Test
  void aFullDiskReleasesTheReserveOnceAndRetriesTheBatch() throws Exception {
    Path db = dir.resolve("s.db");
    Path reserve = dir.resolve("s.db-reserve");
    try (Store store = Store.open(db, 64 * 1024)) {
      assertThat(reserve).hasSize(64 * 1024);
      assertThat(store.reserveReleased()).isFalse();

      AtomicInteger runs = new AtomicInteger();
      CountDownLatch release = holdWriter(store);
      CompletableFuture<Integer> fullOnce =
          store.enqueue(
              "destroying chamber a",
              c -> {
                if (runs.incrementAndGet() == 1) {
                  throw new SQLException(SQLITE_FULL);
                }
                return insertMeta("destroyed", "a").run(c);
              });
      CompletableFuture<Integer> other = store.enqueue("other", insertMeta("other", "b"));
      release.countDown();

      assertThat(fullOnce.join()).isEqualTo(1);
      assertThat(other.join()).isEqualTo(1);
      assertThat(runs).hasValue(2);
      assertThat(reserve).doesNotExist();
      assertThat(store.reserveReleased()).isTrue();
      assertThat(store.meta("destroyed")).contains("a");
      assertThat(store.meta("other")).contains("b");

      AtomicInteger laterRuns = new AtomicInteger();
      CompletableFuture<Object> full =
          store.enqueue(
              "creating chamber b",
              c -> {
                laterRuns.incrementAndGet();
                throw new SQLException(SQLITE_FULL);
              });
      assertThatThrownBy(full::join)
          .cause()
          .isInstanceOf(DiskFullException.class)
          .hasMessageContaining("creating chamber b failed");
      assertThat(laterRuns).as("no reserve left to retry with").hasValue(1);

      store.maintainReserve();
      assertThat(store.reserveReleased()).isFalse();
      assertThat(reserve).hasSize(64 * 1024);
    }
  }

  // ---- closing ----

  @Test
  void closingWhileTasksAreSubmittedLeavesNoneWaiting() throws Exception {
    Store store = Store.open(dir.resolve("s.db"), 0);
    CountDownLatch someWritten = new CountDownLatch(50);
    List<Throwable> endings = new CopyOnWriteArrayList<>();
    try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < 16; t++) {
        String key = "k" + t;
        writers.submit(() -> {
          try {
            for (int i = 0; ; i++) {
              store.putMeta(key, Integer.toString(i));
              someWritten.countDown();
            }
          } catch (RuntimeException e) {
            endings.add(e);
          }
        });
      }
      someWritten.await();
      store.close();
    } // waits for every writer: each must have been answered
    assertThat(endings)
        .hasSize(16)
        .allSatisfy(
            e -> assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("closed"));
    assertThat(OpenFiles.under(dir)).isEmpty();
  }

  @Test
  void closeAfterAFailedCommitDoesNotThrowAndReleasesTheFile() throws Exception {
    Store store = Store.open(dir.resolve("s.db"), 0);
    store.putMeta("k", "v");
    CompletableFuture<Object> broken =
        store.enqueue(
            "closing the connection",
            c -> {
              c.close();
              return null;
            });
    assertThatThrownBy(broken::join).cause().isInstanceOf(StoreException.class);
    store.close();
    store.close();
    assertThat(OpenFiles.under(dir)).isEmpty();
  }

  @Test
  void aListenerCallingTheStoreFailsInsteadOfWaitingForever() {
    List<Throwable> refused = new CopyOnWriteArrayList<>();
    try (Store store = Store.open(dir.resolve("s.db"), 0)) {
      store.onEvent(e -> {
        try {
          store.meta("k");
        } catch (IllegalStateException ex) {
          refused.add(ex);
        }
      });
      store.saveChamber(row("a-1-aaaaa", "RUNNING"), event("a-1-aaaaa", "RUNNING"));
    }
    assertThat(refused).singleElement().asString().contains("its own writer thread");
  }

  // ---- helpers ----

  private static Optional<EventRow> bigEvent(String id) {
    return Optional.of(new EventRow(0, id, "status", null, "RUNNING", 5, bigText()));
  }

  /** More than fits in the pages a small database has free: it needs new ones. */
  private static String bigText() {
    return "x".repeat(100_000);
  }

  private static StoreWriter.Work<Integer> insertMeta(String key, String value) {
    return c -> {
      try (var s = c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
        s.setString(1, key);
        s.setString(2, value);
        return s.executeUpdate();
      }
    };
  }

  /** Makes SQLite answer SQLITE_FULL as soon as the database needs another page. */
  private static void limitToCurrentSize(Store store) {
    pragma(store, "max_page_count=" + pragma(store, "page_count"));
  }

  /** Runs {@code PRAGMA pragma} on the writer's connection; its first value, or "". */
  private static String pragma(Store store, String pragma) {
    return store
        .enqueue(
            "PRAGMA " + pragma,
            c -> {
              try (Statement s = c.createStatement()) {
                if (!s.execute("PRAGMA " + pragma)) {
                  return "";
                }
                try (ResultSet rs = s.getResultSet()) {
                  return rs.next() ? rs.getString(1) : "";
                }
              }
            })
        .join();
  }

  /**
   * Holds the writer thread until the returned latch is opened, so that the tasks queued meanwhile
   * share one batch.
   */
  private static CountDownLatch holdWriter(Store store) throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    store.enqueue(
        "holding the writer",
        c -> {
          running.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return null;
        });
    running.await();
    return release;
  }

  /** The file is sound, holds exactly {@code ids}, and every chamber has its event. */
  private static void assertConsistent(Store store, String... ids) {
    assertThat(pragma(store, "integrity_check")).isEqualTo("ok");
    assertThat(store.chambers()).extracting(ChamberRow::id).containsExactlyInAnyOrder(ids);
    assertThat(store.lastEvents(1000)).extracting(EventRow::chamber).containsExactlyInAnyOrder(ids);
  }
}
