package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SystemTimingTest {
  @Test
  void aStuckPeriodicJobNeitherBlocksTheTimerNorPilesUp() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stuckStarted = new CountDownLatch(1);
    CountDownLatch othersRan = new CountDownLatch(5);
    AtomicInteger stuckStarts = new AtomicInteger();
    try (ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
        SystemTiming timing = new SystemTiming(InstantSource.system(), work)) {
      timing.every(
          Duration.ofMillis(1),
          "stuck",
          () -> {
            stuckStarts.incrementAndGet();
            stuckStarted.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      timing.every(
          Duration.ofMillis(1),
          "other",
          () -> {
            if (stuckStarted.getCount() == 0) {
              othersRan.countDown(); // counts only runs while the stuck job is stuck
            }
          });
      CountDownLatch scheduled = new CountDownLatch(1);
      timing.schedule(Duration.ofMillis(1), scheduled::countDown);

      assertThat(othersRan.await(10, TimeUnit.SECONDS)).as("other jobs kept running").isTrue();
      assertThat(scheduled.await(10, TimeUnit.SECONDS)).as("one-off timers fired").isTrue();
      assertThat(stuckStarts).as("the stuck job was not started again").hasValue(1);
      release.countDown();
    }
  }
}
