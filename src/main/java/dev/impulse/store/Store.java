package dev.impulse.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * impulse's state in one SQLite file (WAL, {@code synchronous=FULL}): a call returns once what it
 * wrote is on disk. All access goes through one writer thread, which commits every queued write in
 * one transaction (each in a savepoint of its own, so one failure does not undo the others);
 * callers wait on a future, so a virtual thread never pins its carrier in SQLite's native code.
 *
 * <p>A failed transaction is rolled back (or the connection replaced) before the next one starts,
 * so the store recovers by itself once the cause is gone. On a full file system a write fails with
 * {@link DiskFullException}, other failures with {@link StoreException}. A reserve file next to the
 * database ({@code impulse.db-reserve}) is released the first time the disk is full, so the small
 * writes that free space still succeed; {@link #maintainReserve()} makes it again when there is
 * room, and {@link #reserveReleased()} tells callers to refuse work that takes space meanwhile.
 *
 * <p>Thread-safe.
 */
public final class Store implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Store.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final StoreWriter writer;
  private final Reserve reserve;

  private Store(StoreWriter writer, Reserve reserve) {
    this.writer = writer;
    this.reserve = reserve;
  }

  /**
   * Opens (or creates) the store at {@code file}, brings its schema up to date, and keeps a reserve
   * of {@code reserveBytes} next to it ({@code <file>-reserve}; 0 keeps none and removes one left
   * from before).
   *
   * @throws DiskFullException when the file system is too full to open the store
   * @throws StoreException when the store cannot be opened for another reason
   */
  public static Store open(Path file, long reserveBytes) {
    Reserve.checkSize(reserveBytes); // before anything is made on disk
    try {
      makePrivate(file);
    } catch (IOException e) {
      DiskFullException.rethrowIfDiskFull(file, "opening the state store", e);
      throw new StoreException(
          "cannot make the state store " + file + " private: " + e.getMessage(), e);
    }
    StoreConnection connection;
    try {
      connection = StoreConnection.open(file);
    } catch (SQLException e) {
      DiskFullException.rethrowIfDiskFull(file, "opening the state store", e);
      throw new StoreException(
          "cannot open the state store "
              + file
              + ": "
              + e.getMessage()
              + " (is the file damaged, or used by another program?)",
          e);
    }
    Reserve reserve;
    try {
      reserve = Reserve.open(file, reserveBytes);
    } catch (IOException e) {
      connection.close();
      throw new StoreException(
          "cannot make the state store's reserve "
              + Reserve.fileFor(file)
              + ": "
              + e.getMessage()
              + " (can impulse write to "
              + file.toAbsolutePath().getParent()
              + "?)",
          e);
    }
    return new Store(new StoreWriter(file, connection, reserve), reserve);
  }

  /**
   * Makes the database mode 0600 (it holds every chamber's environment), creating it empty if it is
   * missing, since SQLite gives new files mode 0644; SQLite gives its {@code -wal} and {@code -shm}
   * files the database's mode, and those left from before are changed too.
   */
  private static void makePrivate(Path file) throws IOException {
    Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rw-------");
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(owner));
    } catch (FileAlreadyExistsException exists) {
      // changed below if it must be
    }
    for (String suffix : List.of("", "-wal", "-shm")) {
      Path part = file.resolveSibling(file.getFileName() + suffix);
      if (Files.exists(part) && !Files.getPosixFilePermissions(part).equals(owner)) {
        log.warn(
            "state store {} was mode {}; made it rw-------: only root may read it",
            part,
            PosixFilePermissions.toString(Files.getPosixFilePermissions(part)));
        Files.setPosixFilePermissions(part, owner);
      }
    }
  }

  /** Runs {@code work} on the writer's connection, in its own savepoint, and waits for it. */
  private <T> T submit(String what, StoreWriter.Work<T> work) {
    try {
      return writer.submit(what, work).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StoreException(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  /** Queues {@code work} without waiting: for tests, which need to know what shares a batch. */
  <T> CompletableFuture<T> enqueue(String what, StoreWriter.Work<T> work) {
    return writer.submit(what, work);
  }

  /**
   * Sets who is told of each event once it is committed, in sequence order, on the writer thread
   * (so it must not block, nor call the store).
   */
  public void onEvent(Consumer<EventRow> listener) {
    writer.onEvent(listener);
  }

  // ---- the reserve ----

  /**
   * Whether the reserve was released because the disk was full and is not back yet: until it is,
   * callers should refuse work that takes space (so the writes that free it can go through). Always
   * false without a reserve.
   */
  public boolean reserveReleased() {
    return reserve.released();
  }

  /**
   * Makes the reserve again once the file system has 4 times its size free, logging that the store
   * has room again. For a periodic housekeeping task: cheap when there is nothing to do; never
   * throws (it logs).
   */
  public void maintainReserve() {
    try {
      reserve.maintain();
    } catch (RuntimeException e) {
      log.warn("state store: maintaining the reserve {} failed", reserve.file(), e);
    }
  }

  // ---- chambers ----

  /** Every stored chamber. */
  public List<ChamberRow> chambers() {
    return submit("reading the chambers", ChamberTable::all);
  }

  /**
   * Writes {@code row} (insert or replace) and, in the same transaction, {@code event} if given;
   * returns the event with its sequence number.
   */
  public Optional<EventRow> saveChamber(ChamberRow row, Optional<EventRow> event) {
    return submit(
        "saving chamber " + row.id(),
        c -> {
          ChamberTable.save(c, row);
          return EventTable.insert(c, event);
        });
  }

  /** Deletes chamber {@code id} and records {@code event} in the same transaction. */
  public Optional<EventRow> deleteChamber(String id, Optional<EventRow> event) {
    return submit(
        "deleting chamber " + id,
        c -> {
          ChamberTable.delete(c, id);
          return EventTable.insert(c, event);
        });
  }

  // ---- events ----

  /** The last {@code limit} events, oldest first. */
  public List<EventRow> lastEvents(int limit) {
    return submit("reading the last " + limit + " events", c -> EventTable.last(c, limit));
  }

  /** Up to {@code limit} events after {@code seq}, oldest first. */
  public List<EventRow> eventsAfter(long seq, int limit) {
    return submit("reading events after " + seq, c -> EventTable.after(c, seq, limit));
  }

  /** Records {@code event}, one that belongs to no chamber's row (a scaling decision, say). */
  public EventRow addEvent(EventRow event) {
    return submit(
            "recording a " + event.kind() + " event", c -> EventTable.insert(c, Optional.of(event)))
        .orElseThrow();
  }

  /** Forgets all but the newest {@code keep} events. */
  public void trimEvents(int keep) {
    submit("trimming events to the newest " + keep, c -> EventTable.trim(c, keep));
  }

  // ---- functions ----

  /** Every stored function version. */
  public List<FunctionRow> functions() {
    return submit("reading the functions", FunctionTable::all);
  }

  /** Records a stored function version. */
  public void saveFunction(FunctionRow row) {
    submit("storing function " + row.app() + " " + row.version(), c -> FunctionTable.save(c, row));
  }

  /** Forgets a function version. */
  public void deleteFunction(String app, String version) {
    submit(
        "forgetting function " + app + " " + version, c -> FunctionTable.delete(c, app, version));
  }

  // ---- deployments ----

  /** Every stored deployment. */
  public List<DeploymentRow> deployments() {
    return submit("reading the deployments", DeploymentTable::all);
  }

  /** Records a deployment (insert or replace) and, in the same transaction, {@code event}. */
  public void saveDeployment(DeploymentRow row, Optional<EventRow> event) {
    submit(
        "storing deployment " + row.app(),
        c -> {
          DeploymentTable.save(c, row);
          return EventTable.insert(c, event);
        });
  }

  /** Forgets a deployment and records {@code event} in the same transaction. */
  public void deleteDeployment(String app, Optional<EventRow> event) {
    submit(
        "forgetting deployment " + app,
        c -> {
          DeploymentTable.delete(c, app);
          return EventTable.insert(c, event);
        });
  }

  // ---- facts about the node ----

  /** A stored fact, such as the boot id of the last start. */
  public Optional<String> meta(String key) {
    return submit(
        "reading " + key,
        c -> {
          try (PreparedStatement s = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
            }
          }
        });
  }

  /** Stores a fact. */
  public void putMeta(String key, String value) {
    submit(
        "storing " + key,
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            s.setString(1, key);
            s.setString(2, value);
            return s.executeUpdate();
          }
        });
  }

  /**
   * Finishes the writes queued so far and closes the file; later calls fail fast with a {@link
   * StoreException}. Never throws (it logs).
   */
  @Override
  public void close() {
    try {
      writer.stop(CLOSE_WAIT);
    } catch (RuntimeException e) {
      log.warn("closing the state store failed", e);
    }
  }
}
