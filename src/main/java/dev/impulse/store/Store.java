package dev.impulse.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * impulse's state in one SQLite file (WAL, {@code synchronous=FULL}): a call returns once what it
 * wrote is on disk. All access goes through one writer thread, which commits every queued write in
 * one transaction (each in a savepoint of its own, so one failure does not undo the others);
 * callers wait on a future, so a virtual thread never pins its carrier in SQLite's native code.
 * Thread-safe.
 */
public final class Store implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Store.class);
  private static final int MAX_BATCH = 256;

  private final Path file;
  private final Connection connection;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean closed;
  private volatile Consumer<EventRow> eventListener = e -> {};

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private record Task<T>(Work<T> work, CompletableFuture<T> done) {}

  private Store(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
    this.writer = Thread.ofPlatform().name("store-writer").daemon().start(this::drain);
  }

  /** Opens (or creates) the store at {@code file} and brings its schema up to date. */
  public static Store open(Path file) {
    try {
      Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
      }
      migrate(connection, file);
      return new Store(file, connection);
    } catch (SQLException e) {
      throw new StoreException(
          "cannot open the state store "
              + file
              + ": "
              + e.getMessage()
              + " (is the disk full, or the file damaged?)",
          e);
    }
  }

  private static void migrate(Connection connection, Path file) throws SQLException {
    int version;
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      version = rs.next() ? rs.getInt(1) : 0;
    }
    if (version > Migrations.latest()) {
      throw new SQLException(
          file
              + " has schema version "
              + version
              + ", newer than this impulse knows ("
              + Migrations.latest()
              + "); run a newer impulse");
    }
    for (int step = version + 1; step <= Migrations.latest(); step++) {
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        for (String sql : Migrations.STEPS.get(step - 1)) {
          s.execute(sql);
        }
        s.execute("PRAGMA user_version=" + step);
        connection.commit();
        log.info("state store {}: schema migrated to version {}", file, step);
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    }
  }

  private <T> T submit(Work<T> work) {
    if (closed) {
      throw new StoreException("the state store is closed", null);
    }
    CompletableFuture<T> done = new CompletableFuture<>();
    queue.add(new Task<>(work, done));
    try {
      return done.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof StoreException s) {
        throw s;
      }
      throw new StoreException(
          "state store " + file + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  private void drain() {
    List<Task<?>> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      commit(batch);
      batch.clear();
    }
  }

  /** Runs a batch in one transaction, each task in its own savepoint. */
  private void commit(List<Task<?>> batch) {
    List<Object> results = new ArrayList<>(batch.size());
    List<Throwable> failures = new ArrayList<>(batch.size());
    try {
      connection.setAutoCommit(false);
      for (Task<?> task : batch) {
        try (Statement s = connection.createStatement()) {
          s.execute("SAVEPOINT task");
          try {
            results.add(task.work().run(connection));
            failures.add(null);
            s.execute("RELEASE task");
          } catch (SQLException | RuntimeException e) {
            s.execute("ROLLBACK TO task");
            s.execute("RELEASE task");
            results.add(null);
            failures.add(e);
          }
        }
      }
      connection.commit();
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      try {
        connection.rollback();
        connection.setAutoCommit(true);
      } catch (SQLException ignored) {
        // the connection is broken; every task below fails
      }
      StoreException failed =
          new StoreException("state store " + file + ": commit failed: " + e.getMessage(), e);
      batch.forEach(t -> t.done().completeExceptionally(failed));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      if (results.get(i) instanceof Optional<?> written
          && written.isPresent()
          && written.get() instanceof EventRow event) {
        tell(event);
      }
      complete(batch.get(i), results.get(i), failures.get(i));
    }
  }

  /**
   * Sets who is told of each event once it is committed, in sequence order, on the writer thread
   * (so it must not block).
   */
  public void onEvent(Consumer<EventRow> listener) {
    this.eventListener = listener;
  }

  private void tell(EventRow event) {
    try {
      eventListener.accept(event);
    } catch (RuntimeException e) {
      log.error("an event listener failed on event {}", event.seq(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Task<T> task, Object result, Throwable failure) {
    if (failure != null) {
      task.done().completeExceptionally(failure);
    } else {
      task.done().complete((T) result);
    }
  }

  // ---- chambers ----

  /** Every stored chamber. */
  public List<ChamberRow> chambers() {
    return submit(c -> {
      List<ChamberRow> rows = new ArrayList<>();
      try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT id, spec, port, created_ms, status, exit_code, reason, restarts, health,"
                      + " last_healthy_ms FROM chambers ORDER BY created_ms, id");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          Integer code = rs.getObject(6) == null ? null : rs.getInt(6);
          rows.add(
              new ChamberRow(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getInt(3),
                  rs.getLong(4),
                  rs.getString(5),
                  code,
                  rs.getString(7),
                  rs.getInt(8),
                  rs.getString(9),
                  rs.getLong(10)));
        }
      }
      return rows;
    });
  }

  /**
   * Writes {@code row} (insert or replace) and, in the same transaction, {@code event} if given;
   * returns the event with its sequence number.
   */
  public Optional<EventRow> saveChamber(ChamberRow row, Optional<EventRow> event) {
    return submit(c -> {
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT INTO chambers (id, spec, port, created_ms, status, exit_code, reason,"
                  + " restarts, health, last_healthy_ms) VALUES (?,?,?,?,?,?,?,?,?,?)"
                  + " ON CONFLICT(id) DO UPDATE SET spec=excluded.spec, port=excluded.port,"
                  + " created_ms=excluded.created_ms, status=excluded.status,"
                  + " exit_code=excluded.exit_code, reason=excluded.reason,"
                  + " restarts=excluded.restarts, health=excluded.health,"
                  + " last_healthy_ms=excluded.last_healthy_ms")) {
        s.setString(1, row.id());
        s.setString(2, row.spec());
        s.setInt(3, row.port());
        s.setLong(4, row.createdTimeMillis());
        s.setString(5, row.status());
        if (row.exitCode() == null) {
          s.setNull(6, Types.INTEGER);
        } else {
          s.setInt(6, row.exitCode());
        }
        s.setString(7, row.reason());
        s.setInt(8, row.restarts());
        s.setString(9, row.health());
        s.setLong(10, row.lastHealthyMillis());
        s.executeUpdate();
      }
      return insertEvent(c, event);
    });
  }

  /** Deletes chamber {@code id} and records {@code event} in the same transaction. */
  public Optional<EventRow> deleteChamber(String id, Optional<EventRow> event) {
    return submit(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM chambers WHERE id = ?")) {
        s.setString(1, id);
        s.executeUpdate();
      }
      return insertEvent(c, event);
    });
  }

  private static Optional<EventRow> insertEvent(Connection c, Optional<EventRow> event)
      throws SQLException {
    if (event.isEmpty()) {
      return Optional.empty();
    }
    EventRow e = event.get();
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO events (chamber, kind, from_state, to_state, time_ms, reason)"
                + " VALUES (?,?,?,?,?,?)",
            Statement.RETURN_GENERATED_KEYS)) {
      s.setString(1, e.chamber());
      s.setString(2, e.kind());
      s.setString(3, e.from());
      s.setString(4, e.to());
      s.setLong(5, e.timeMillis());
      s.setString(6, e.reason());
      s.executeUpdate();
      try (ResultSet keys = s.getGeneratedKeys()) {
        keys.next();
        return Optional.of(e.at(keys.getLong(1)));
      }
    }
  }

  // ---- events ----

  /** The last {@code limit} events, oldest first. */
  public List<EventRow> lastEvents(int limit) {
    return submit(c -> {
      List<EventRow> rows = new ArrayList<>();
      try (PreparedStatement s =
          c.prepareStatement(
              "SELECT seq, chamber, kind, from_state, to_state, time_ms, reason FROM events"
                  + " ORDER BY seq DESC LIMIT ?")) {
        s.setInt(1, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            rows.add(
                new EventRow(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getLong(6),
                    rs.getString(7)));
          }
        }
      }
      return rows.reversed();
    });
  }

  /** Up to {@code limit} events after {@code seq}, oldest first. */
  public List<EventRow> eventsAfter(long seq, int limit) {
    return submit(c -> {
      List<EventRow> rows = new ArrayList<>();
      try (PreparedStatement s =
          c.prepareStatement(
              "SELECT seq, chamber, kind, from_state, to_state, time_ms, reason FROM events"
                  + " WHERE seq > ? ORDER BY seq LIMIT ?")) {
        s.setLong(1, seq);
        s.setInt(2, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            rows.add(
                new EventRow(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getLong(6),
                    rs.getString(7)));
          }
        }
      }
      return rows;
    });
  }

  /** Forgets all but the newest {@code keep} events. */
  public void trimEvents(int keep) {
    submit(c -> {
      try (PreparedStatement s =
          c.prepareStatement("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?")) {
        s.setInt(1, keep);
        return s.executeUpdate();
      }
    });
  }

  // ---- functions ----

  /** Every stored function version. */
  public List<FunctionRow> functions() {
    return submit(c -> {
      List<FunctionRow> rows = new ArrayList<>();
      try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT app, version, digest, archive_bytes, created_ms FROM functions"
                      + " ORDER BY app, version");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new FunctionRow(
                  rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
        }
      }
      return rows;
    });
  }

  /** Records a stored function version. */
  public void saveFunction(FunctionRow row) {
    submit(c -> {
      try (PreparedStatement s =
          c.prepareStatement(
              "INSERT OR REPLACE INTO functions (app, version, digest, archive_bytes, created_ms)"
                  + " VALUES (?,?,?,?,?)")) {
        s.setString(1, row.app());
        s.setString(2, row.version());
        s.setString(3, row.digest());
        s.setLong(4, row.archiveBytes());
        s.setLong(5, row.createdTimeMillis());
        return s.executeUpdate();
      }
    });
  }

  /** Forgets a function version. */
  public void deleteFunction(String app, String version) {
    submit(c -> {
      try (PreparedStatement s =
          c.prepareStatement("DELETE FROM functions WHERE app = ? AND version = ?")) {
        s.setString(1, app);
        s.setString(2, version);
        return s.executeUpdate();
      }
    });
  }

  // ---- facts about the node ----

  /** A stored fact, such as the boot id of the last start. */
  public Optional<String> meta(String key) {
    return submit(c -> {
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
    submit(c -> {
      try (PreparedStatement s =
          c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
        s.setString(1, key);
        s.setString(2, value);
        return s.executeUpdate();
      }
    });
  }

  /** Finishes queued writes and closes the file. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    submit(c -> null); // everything queued before is committed once this returns
    closed = true;
    writer.interrupt();
    try {
      writer.join(5000);
      StoreException gone = new StoreException("the state store is closed", null);
      queue.forEach(t -> t.done().completeExceptionally(gone));
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException e) {
      log.warn("closing the state store failed: {}", e.toString());
    }
  }
}
