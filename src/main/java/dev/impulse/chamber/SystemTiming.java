package dev.impulse.chamber;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real time: one platform timer thread that only hands tasks to virtual threads, so no task can
 * block it.
 */
final class SystemTiming implements Timing, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemTiming.class);

  private final InstantSource clock;
  private final Executor work;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("chamber-timer").daemon().factory());

  SystemTiming(InstantSource clock, Executor work) {
    this.clock = clock;
    this.work = work;
  }

  @Override
  public InstantSource clock() {
    return clock;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void sleep(Duration pause) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(pause.toNanos());
  }

  @Override
  public boolean await(CompletableFuture<?> future, Duration timeout) throws InterruptedException {
    try {
      future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  @Override
  public void schedule(Duration delay, Runnable task) {
    timer.schedule(() -> work.execute(task), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void every(Duration period, String name, Runnable task) {
    AtomicBoolean running = new AtomicBoolean();
    timer.scheduleWithFixedDelay(
        () -> {
          if (!running.compareAndSet(false, true)) {
            log.debug("{}: the last run is still going; skipped", name);
            return;
          }
          work.execute(() -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.error("{} failed; it runs again in {} ms", name, period.toMillis(), e);
            } finally {
              running.set(false);
            }
          });
        },
        period.toNanos(),
        period.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
