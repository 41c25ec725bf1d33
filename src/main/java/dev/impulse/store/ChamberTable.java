package dev.impulse.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/** The {@code chambers} table's statements; run on the writer's connection. */
final class ChamberTable {
  private ChamberTable() {}

  static List<ChamberRow> all(Connection c) throws SQLException {
    List<ChamberRow> rows = new ArrayList<>();
    try (PreparedStatement s =
            c.prepareStatement(
                "SELECT id, spec, port, created_ms, status, exit_code, reason, restarts, health,"
                    + " last_healthy_ms, container, deployment FROM chambers ORDER BY created_ms, id");
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
                rs.getLong(10),
                rs.getString(11),
                rs.getString(12)));
      }
    }
    return rows;
  }

  /** Inserts {@code row} or replaces the one with its id. */
  static void save(Connection c, ChamberRow row) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO chambers (id, spec, port, created_ms, status, exit_code, reason,"
                + " restarts, health, last_healthy_ms, container, deployment)"
                + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                + " ON CONFLICT(id) DO UPDATE SET spec=excluded.spec, port=excluded.port,"
                + " created_ms=excluded.created_ms, status=excluded.status,"
                + " exit_code=excluded.exit_code, reason=excluded.reason,"
                + " restarts=excluded.restarts, health=excluded.health,"
                + " last_healthy_ms=excluded.last_healthy_ms, container=excluded.container,"
                + " deployment=excluded.deployment")) {
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
      s.setString(11, row.container());
      s.setString(12, row.deployment());
      s.executeUpdate();
    }
  }

  static void delete(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM chambers WHERE id = ?")) {
      s.setString(1, id);
      s.executeUpdate();
    }
  }
}
