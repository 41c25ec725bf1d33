package dev.impulse.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The {@code deployments} table's statements; run on the writer's connection. */
final class DeploymentTable {
  private DeploymentTable() {}

  static List<DeploymentRow> all(Connection c) throws SQLException {
    List<DeploymentRow> rows = new ArrayList<>();
    try (PreparedStatement s =
            c.prepareStatement(
                "SELECT app, spec, created_ms, updated_ms FROM deployments ORDER BY app");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        rows.add(new DeploymentRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
      }
    }
    return rows;
  }

  static int save(Connection c, DeploymentRow row) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT OR REPLACE INTO deployments (app, spec, created_ms, updated_ms)"
                + " VALUES (?,?,?,?)")) {
      s.setString(1, row.app());
      s.setString(2, row.spec());
      s.setLong(3, row.createdTimeMillis());
      s.setLong(4, row.updatedTimeMillis());
      return s.executeUpdate();
    }
  }

  static int delete(Connection c, String app) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM deployments WHERE app = ?")) {
      s.setString(1, app);
      return s.executeUpdate();
    }
  }
}
