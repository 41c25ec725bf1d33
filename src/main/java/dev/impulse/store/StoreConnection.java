package dev.impulse.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's SQLite connection, opened with the store's pragmas, and the guarantee that a failed
 * transaction leaves it in a known state: no transaction open. Transactions are begun and ended
 * with plain SQL ({@code BEGIN}, {@code COMMIT}, {@code ROLLBACK}) on a connection that JDBC keeps
 * in auto-commit mode, because sqlite-jdbc's own bookkeeping ({@code setAutoCommit(false)}, {@code
 * commit()}) believes a transaction is open after SQLite rolled it back by itself (as it does on
 * SQLITE_FULL), and then fails every later commit with "cannot commit - no transaction is active".
 *
 * <p>Confined to the writer thread (it is created before that thread starts).
 */
final class StoreConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreConnection.class);

  private final Path file;

  /** Empty between a dropped connection and the next use, which opens a new one. */
  private Connection connection;

  private StoreConnection(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /** Opens {@code file} and brings its schema up to date. */
  static StoreConnection open(Path file) throws SQLException {
    Connection connection = connect(file);
    try {
      migrate(connection, file);
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection, file);
      throw e;
    }
    return new StoreConnection(file, connection);
  }

  private static Connection connect(Path file) throws SQLException {
    Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
    } catch (SQLException e) {
      closeQuietly(connection, file);
      throw e;
    }
    return connection;
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
      try (Statement s = connection.createStatement()) {
        s.execute("BEGIN");
        for (String sql : Migrations.STEPS.get(step - 1)) {
          s.execute(sql);
        }
        s.execute("PRAGMA user_version=" + step);
        s.execute("COMMIT");
        log.info("state store {}: schema migrated to version {}", file, step);
      }
      // On failure the caller closes the connection, which rolls back what is open.
    }
  }

  /** The connection, opened anew first when a recovery had to drop the last one. */
  Connection get() throws SQLException {
    if (connection == null) {
      connection = connect(file);
      log.info("state store {}: opened a new connection in place of the dropped one", file);
    }
    return connection;
  }

  /** Runs one statement that returns no rows ({@code BEGIN}, {@code COMMIT}). */
  void execute(String sql) throws SQLException {
    try (Statement s = get().createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * Restores a known state after a transaction failed with {@code failure}: rolls it back, or finds
   * that SQLite already did; when neither can be shown, drops the connection (the next use opens a
   * new one with the same pragmas). Never throws.
   */
  void recover(Throwable failure) {
    if (connection == null) {
      return;
    }
    try (Statement s = connection.createStatement()) {
      s.execute("ROLLBACK");
      log.warn("state store {}: rolled back a failed transaction ({})", file, failure.toString());
      return;
    } catch (SQLException e) {
      // SQLite rolls back by itself on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM and some
      // SQLITE_BUSY; its message for the then pointless ROLLBACK has been the same for years.
      if (String.valueOf(e.getMessage()).contains("no transaction is active")) {
        log.warn(
            "state store {}: SQLite rolled back a failed transaction by itself ({})",
            file,
            failure.toString());
        return;
      }
      log.warn(
          "state store {}: cannot roll back a failed transaction ({}; it failed with {}):"
              + " dropping the connection, the next write opens a new one",
          file,
          e.toString(),
          failure.toString());
    } catch (RuntimeException e) {
      log.warn("state store {}: rolling back failed ({}): dropping the connection", file, e);
    }
    closeQuietly(connection, file);
    connection = null;
  }

  /** Closes the connection, which releases the file; logs instead of throwing. */
  @Override
  public void close() {
    if (connection != null) {
      closeQuietly(connection, file);
      connection = null;
    }
  }

  private static void closeQuietly(Connection connection, Path file) {
    try {
      connection.close();
    } catch (SQLException | RuntimeException e) {
      log.warn("state store {}: closing a connection failed: {}", file, e.toString());
    }
  }
}
