package dev.impulse.chamber;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks only when a test says so, one after the other on the test's thread: the order in which
 * work happens is the test's to choose, and nothing runs behind its back.
 */
final class ManualExecutor extends AbstractExecutorService {
  private static final int MAX_TASKS = 100_000;
  private final Queue<Runnable> tasks = new ArrayDeque<>();
  private boolean shutdown;

  @Override
  public void execute(Runnable task) {
    if (!shutdown) {
      tasks.add(task);
    }
  }

  /** Runs queued tasks, and the tasks they queue, until none is left. */
  void runAll() {
    int ran = 0;
    Runnable task;
    while ((task = tasks.poll()) != null) {
      if (++ran > MAX_TASKS) {
        throw new IllegalStateException("more than " + MAX_TASKS + " tasks: a loop?");
      }
      task.run();
    }
  }

  /** Runs only the task queued last: work done out of the order it was asked for. */
  void runLatest() {
    Runnable task = ((ArrayDeque<Runnable>) tasks).pollLast();
    if (task != null) {
      task.run();
    }
  }

  int pending() {
    return tasks.size();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = List.copyOf(tasks);
    tasks.clear();
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && tasks.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }
}
