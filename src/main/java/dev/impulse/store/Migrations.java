package dev.impulse.store;

import java.util.List;

/**
 * The schema, as the ordered list of steps that build it. Step N takes {@code user_version} from
 * N-1 to N. Never edit a released step: add one.
 */
final class Migrations {
  private Migrations() {}

  static final List<List<String>> STEPS =
      List.of(
          // 1: chambers, functions, events, and facts about the node
          List.of(
              """
              CREATE TABLE chambers (
                id TEXT PRIMARY KEY NOT NULL,
                spec TEXT NOT NULL,
                port INTEGER NOT NULL,
                created_ms INTEGER NOT NULL,
                status TEXT NOT NULL,
                exit_code INTEGER,
                reason TEXT,
                restarts INTEGER NOT NULL DEFAULT 0,
                health TEXT NOT NULL DEFAULT 'UNKNOWN',
                last_healthy_ms INTEGER NOT NULL DEFAULT 0
              )\
              """,
              """
              CREATE TABLE functions (
                app TEXT NOT NULL,
                version TEXT NOT NULL,
                digest TEXT NOT NULL,
                archive_bytes INTEGER NOT NULL,
                created_ms INTEGER NOT NULL,
                PRIMARY KEY (app, version)
              )\
              """,
              """
              CREATE TABLE events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                chamber TEXT NOT NULL,
                kind TEXT NOT NULL,
                from_state TEXT,
                to_state TEXT NOT NULL,
                time_ms INTEGER NOT NULL,
                reason TEXT
              )\
              """,
              "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)"),
          // 2: the container a chamber runs in, when it is not named by its id (a stem cell's)
          List.of("ALTER TABLE chambers ADD COLUMN container TEXT"),
          // 3: deployments, and the deployment a chamber serves
          List.of(
              "ALTER TABLE chambers ADD COLUMN deployment TEXT",
              """
              CREATE TABLE deployments (
                app TEXT PRIMARY KEY NOT NULL,
                spec TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                updated_ms INTEGER NOT NULL
              )\
              """));

  /** The schema version this code writes. */
  static int latest() {
    return STEPS.size();
  }
}
