package dev.impulse.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The {@code functions} table's statements; run on the writer's connection. */
final class FunctionTable {
  private FunctionTable() {}

  static List<FunctionRow> all(Connection c) throws SQLException {
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
  }

  static int save(Connection c, FunctionRow row) throws SQLException {
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
  }

  static int delete(Connection c, String app, String version) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("DELETE FROM functions WHERE app = ? AND version = ?")) {
      s.setString(1, app);
      s.setString(2, version);
      return s.executeUpdate();
    }
  }
}
