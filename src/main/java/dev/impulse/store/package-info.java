/**
 * The embedded state store: SQLite (WAL) under the data directory, holding chambers, functions and
 * the event log. Writes are durable before they return; a single writer thread commits queued
 * writes together, so callers on virtual threads wait without pinning a carrier and concurrent
 * writes share one fsync. The schema is versioned ({@code PRAGMA user_version}) and migrated at
 * start-up. A failed transaction is rolled back (or its connection replaced) before the next, so
 * the store outlives a full disk without a restart; a reserve file next to the database is given up
 * on the first full disk so that the writes that free space still succeed.
 *
 * <p>May use: nothing of impulse. Its rows are plain records; other packages map to and from them.
 */
package dev.impulse.store;
