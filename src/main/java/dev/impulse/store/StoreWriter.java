package dev.impulse.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one writer thread: it takes the queued tasks in batches and runs each batch in one
 * transaction, each task in a savepoint of its own, so one failing task undoes only itself.
 *
 * <p>A batch whose transaction fails (its commit, or a task on a full disk) is rolled back whole
 * and the connection put back into a known state, so the next batch starts clean. On a full disk
 * the reserve is released and the batch tried once more; if that fails too, every task of it gets a
 * {@link DiskFullException}.
 *
 * <p>No task waits forever: once {@link #stop} has queued the stop mark nothing more is accepted,
 * everything queued before it is still run, and whatever is left when the thread ends is failed.
 * Thread-safe.
 */
final class StoreWriter {
  private static final Logger log = LoggerFactory.getLogger(StoreWriter.class);
  private static final int MAX_BATCH = 256;

  /**
   * What a task does with the connection. It may run twice (a batch is retried), so it must only
   * touch the database.
   */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private record Task<T>(String what, Work<T> work, CompletableFuture<T> done) {}

  /** A task's result or failure in a batch that committed. */
  private record Outcome(Object result, Optional<RuntimeException> failure) {}

  private final Path file;
  private final StoreConnection connection;
  private final Reserve reserve;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Task<Void> stopMark = new Task<>("stop", c -> null, new CompletableFuture<>());
  private final Object gate = new Object(); // orders queueing against stopping
  private boolean stopping; // guarded by gate
  private volatile Consumer<EventRow> eventListener = e -> {};
  private final Thread thread;

  StoreWriter(Path file, StoreConnection connection, Reserve reserve) {
    this.file = file;
    this.connection = connection;
    this.reserve = reserve;
    this.thread = Thread.ofPlatform().name("store-writer").daemon().start(this::run);
  }

  /** Sets who is told of each committed event, in sequence order, on this thread. */
  void onEvent(Consumer<EventRow> listener) {
    this.eventListener = listener;
  }

  /**
   * Queues {@code work}; the future completes once its batch committed, or fails with a {@link
   * StoreException} or {@link DiskFullException}.
   *
   * @param what what the work does, for messages ("saving chamber a-1-xyz")
   * @throws StoreException when the store is closed
   */
  <T> CompletableFuture<T> submit(String what, Work<T> work) {
    if (Thread.currentThread() == thread) {
      // it would wait for the batch it is part of: forever
      throw new IllegalStateException(
          what + ": the state store was called from its own writer thread (an event listener?)");
    }
    Task<T> task = new Task<>(what, work, new CompletableFuture<>());
    synchronized (gate) {
      if (stopping) {
        throw closed(what);
      }
      queue.add(task);
    }
    return task.done();
  }

  /**
   * Stops taking tasks and waits up to {@code wait} for those queued before to be committed and the
   * file closed. Never throws.
   *
   * @return false if it was stopped already
   */
  boolean stop(Duration wait) {
    synchronized (gate) {
      if (stopping) {
        return false;
      }
      stopping = true;
      queue.add(stopMark);
    }
    if (Thread.currentThread() == thread) {
      return true; // a listener closed the store: the thread stops after this batch
    }
    try {
      if (!thread.join(wait)) {
        log.error(
            "state store {}: the writer is still busy after {} s; it closes the file when its"
                + " batch ends",
            file,
            wait.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("state store {}: interrupted while waiting for the writer to finish", file);
    }
    return true;
  }

  private void run() {
    try {
      boolean stop = false;
      while (!stop) {
        List<Task<?>> batch = new ArrayList<>();
        Task<?> next = take();
        while (next != null) {
          if (next == stopMark) {
            stop = true;
            break;
          }
          batch.add(next);
          next = batch.size() < MAX_BATCH ? queue.poll() : null;
        }
        if (!batch.isEmpty()) {
          commitGuarded(batch);
        }
      }
    } finally {
      List<Task<?>> left = new ArrayList<>();
      synchronized (gate) {
        stopping = true; // also when this thread dies of an Error: nothing may wait on it
        queue.drainTo(left);
      }
      left.forEach(t -> t.done().completeExceptionally(closed(t.what())));
      connection.close();
    }
  }

  private Task<?> take() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // Only the stop mark ends this thread, so that no queued task is left behind.
        log.warn("state store {}: the writer was interrupted; it stops only when closed", file);
      }
    }
  }

  /** Commits {@code batch}; whatever goes wrong, every task of it is completed. */
  private void commitGuarded(List<Task<?>> batch) {
    try {
      commit(batch);
    } catch (Throwable e) {
      // attempt() has restored a known state already; this only keeps the thread alive
      log.error("state store {}: a batch of {} writes failed unexpectedly", file, batch.size(), e);
      batch.forEach(t -> t.done().completeExceptionally(batchFailed(t.what(), e, batch.size())));
    }
  }

  private void commit(List<Task<?>> batch) {
    List<Outcome> outcomes;
    try {
      outcomes = attempt(batch);
    } catch (SQLException | RuntimeException first) {
      if (!DiskFullException.isDiskFull(first) || !reserve.release()) {
        failAll(batch, first);
        return;
      }
      try {
        outcomes = attempt(batch);
      } catch (SQLException | RuntimeException second) {
        failAll(batch, second);
        return;
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      Outcome outcome = outcomes.get(i);
      if (outcome.result() instanceof Optional<?> written
          && written.isPresent()
          && written.get() instanceof EventRow event) {
        tell(event);
      }
      complete(batch.get(i), outcome);
    }
  }

  /**
   * Runs {@code batch} in one transaction. When the transaction fails, restores a known state
   * before it throws.
   */
  private List<Outcome> attempt(List<Task<?>> batch) throws SQLException {
    try {
      Connection c = connection.get();
      connection.execute("BEGIN");
      List<Outcome> outcomes = new ArrayList<>(batch.size());
      for (Task<?> task : batch) {
        outcomes.add(inSavepoint(c, task));
      }
      connection.execute("COMMIT");
      return outcomes;
    } catch (Throwable e) {
      connection.recover(e);
      throw e;
    }
  }

  private Outcome inSavepoint(Connection c, Task<?> task) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SAVEPOINT task");
      Object result;
      try {
        result = task.work().run(c);
      } catch (SQLException | RuntimeException e) {
        if (DiskFullException.isDiskFull(e)) {
          // The others would most likely fail the same way; failing the transaction lets the
          // batch be retried whole once the reserve is released.
          throw e;
        }
        try {
          s.execute("ROLLBACK TO task");
          s.execute("RELEASE task");
        } catch (SQLException undo) {
          // SQLite rolled back the whole transaction (as on SQLITE_IOERR): the batch fails
          undo.addSuppressed(e);
          throw undo;
        }
        return new Outcome(null, Optional.of(taskFailed(task.what(), e)));
      }
      s.execute("RELEASE task");
      return new Outcome(result, Optional.empty());
    }
  }

  private void failAll(List<Task<?>> batch, Exception e) {
    boolean full = DiskFullException.isDiskFull(e);
    if (full) {
      // its callers are told (507); the stack trace would only repeat what SQLite said
      log.warn(
          "state store {}: a batch of {} writes failed, the disk is full: {}",
          file,
          batch.size(),
          e.toString());
    } else {
      log.error("state store {}: a batch of {} writes failed", file, batch.size(), e);
    }
    for (Task<?> task : batch) {
      task.done()
          .completeExceptionally(
              full
                  ? new DiskFullException(file, task.what(), e)
                  : batchFailed(task.what(), e, batch.size()));
    }
  }

  private void tell(EventRow event) {
    try {
      eventListener.accept(event);
    } catch (RuntimeException e) {
      log.error("an event listener failed on event {}", event.seq(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Task<T> task, Outcome outcome) {
    outcome
        .failure()
        .ifPresentOrElse(
            task.done()::completeExceptionally, () -> task.done().complete((T) outcome.result()));
  }

  /** A task's own failure: it was undone, the rest of its batch was committed. */
  private RuntimeException taskFailed(String what, Exception e) {
    if (e instanceof StoreException || e instanceof DiskFullException) {
      return (RuntimeException) e;
    }
    return new StoreException(
        "state store " + file + ": " + what + " failed: " + e.getMessage(), e);
  }

  /** The failure of a whole batch's transaction: nothing of it was committed. */
  private StoreException batchFailed(String what, Throwable e, int batchSize) {
    return new StoreException(
        "state store "
            + file
            + ": "
            + what
            + " failed: "
            + e.getMessage()
            + "; it was rolled back with the "
            + (batchSize - 1)
            + " other writes of its transaction. The store recovers by itself: try again; if"
            + " this keeps happening, see the daemon's log",
        e);
  }

  private StoreException closed(String what) {
    return new StoreException(what + ": the state store " + file + " is closed", null);
  }
}
