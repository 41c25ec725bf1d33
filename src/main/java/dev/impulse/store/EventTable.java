package dev.impulse.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code events} table's statements; run on the writer's connection. */
final class EventTable {
  private static final String SELECT =
      "SELECT seq, chamber, kind, from_state, to_state, time_ms, reason FROM events";

  private EventTable() {}

  /** Records {@code event} if given; returns it with its sequence number. */
  static Optional<EventRow> insert(Connection c, Optional<EventRow> event) throws SQLException {
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

  /** The last {@code limit} events, oldest first. */
  static List<EventRow> last(Connection c, int limit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " ORDER BY seq DESC LIMIT ?")) {
      s.setInt(1, limit);
      return read(s).reversed();
    }
  }

  /** Up to {@code limit} events after {@code seq}, oldest first. */
  static List<EventRow> after(Connection c, long seq, int limit) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE seq > ? ORDER BY seq LIMIT ?")) {
      s.setLong(1, seq);
      s.setInt(2, limit);
      return read(s);
    }
  }

  /** Forgets all but the newest {@code keep} events; returns how many went. */
  static int trim(Connection c, int keep) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?")) {
      s.setInt(1, keep);
      return s.executeUpdate();
    }
  }

  private static List<EventRow> read(PreparedStatement s) throws SQLException {
    List<EventRow> rows = new ArrayList<>();
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
    return rows;
  }
}
