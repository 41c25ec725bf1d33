package dev.impulse.skyhook;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the HTTP server's exchanges, each on a thread of its own, and counts those in flight so a
 * stop waits for them (and not for idle kept-alive connections). A virtual thread per exchange
 * where the JVM has them (21 and later; found by reflection, as the wrapper is built for 17), else
 * a daemon thread from a cached pool. A thread that cannot be created (the chamber's pids limit)
 * costs that one connection, which the server closes, never the wrapper. Thread-safe.
 */
final class Requests implements Executor {
  private final Executor threads;
  private final Object lock = new Object();
  private int inFlight;

  Requests() {
    this(threads());
  }

  /** Runs exchanges on {@code threads} (tests give one that fails). */
  Requests(Executor threads) {
    this.threads = threads;
  }

  @Override
  public void execute(Runnable exchange) {
    synchronized (lock) {
      inFlight++;
    }
    try {
      threads.execute(new Counted(exchange));
    } catch (RuntimeException | Error e) { // OutOfMemoryError: unable to create native thread
      done();
      System.err.println("skyhook: no thread for a request, its connection is closed: " + e);
      throw new RejectedExecutionException(e);
    }
  }

  /** Waits until no exchange is in flight. */
  void awaitIdle() throws InterruptedException {
    synchronized (lock) {
      while (inFlight > 0) {
        lock.wait();
      }
    }
  }

  private void done() {
    synchronized (lock) {
      if (--inFlight == 0) {
        lock.notifyAll();
      }
    }
  }

  private final class Counted implements Runnable {
    private final Runnable exchange;

    Counted(Runnable exchange) {
      this.exchange = exchange;
    }

    @Override
    public void run() {
      try {
        exchange.run();
      } finally {
        done();
      }
    }
  }

  private static ExecutorService threads() {
    try {
      return (ExecutorService)
          Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (ReflectiveOperationException e) { // before Java 21
      return Executors.newCachedThreadPool(new DaemonThreads());
    }
  }

  private static final class DaemonThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "skyhook-request-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }
}
