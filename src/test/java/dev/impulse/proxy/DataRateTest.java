package dev.impulse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DataRateTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aSmallBodyThatCameAtOnceIsNeverTooSlow() {
    DataRate rate = new DataRate();
    rate.moved(20, SECOND / 1000);
    assertThat(rate.tooSlow()).isFalse();
  }

  @Test
  void waitingWithinTheGracePeriodIsNeverTooSlowWhateverCame() {
    DataRate rate = new DataRate();
    rate.moved(1, 4 * SECOND);
    assertThat(rate.tooSlow()).isFalse();
  }

  @Test
  void aTrickleIsTooSlowOnceTheGracePeriodIsWaited() {
    DataRate rate = new DataRate();
    for (int i = 0; i < 5; i++) {
      rate.moved(5, SECOND);
    }
    assertThat(rate.tooSlow()).isFalse();
    rate.moved(5, SECOND);
    assertThat(rate.tooSlow()).isTrue();
    assertThat(rate.describe("the body")).contains("the body came at 5 bytes/s", "1024 bytes/s");
  }

  @Test
  void aSteadyPaceAboveTheMinimumIsNotTooSlow() {
    DataRate rate = new DataRate();
    for (int i = 0; i < 600; i++) {
      rate.moved(2048, SECOND);
      assertThat(rate.tooSlow()).isFalse();
    }
  }

  @Test
  void megabytesSentFastBuyMinutesOfTrickleNotHours() {
    DataRate rate = new DataRate();
    rate.moved(64L << 20, SECOND / 100);
    int seconds = 0;
    while (!rate.tooSlow() && seconds < 3600) {
      rate.moved(1, SECOND);
      seconds++;
    }
    // 64 MiB at 1 KiB/s would last 18 hours on a plain average.
    assertThat(seconds).isBetween(6, 300);
  }

  @Test
  void theWatchdogsMomentIsWhenTheRateTurnsTooSlow() {
    DataRate fresh = new DataRate();
    assertThat(fresh.nanosUntilTooSlow()).isEqualTo(DataRate.GRACE_NANOS + 1_000_000);

    DataRate rate = new DataRate();
    rate.moved(10 * 1024, SECOND);
    long until = rate.nanosUntilTooSlow();
    assertThat(until).isEqualTo(9 * SECOND + 1_000_000);
    DataRate early = rate.copy();
    early.moved(0, until - 2_000_000);
    assertThat(early.tooSlow()).isFalse();
    DataRate late = rate.copy();
    late.moved(0, until);
    assertThat(late.tooSlow()).isTrue();
  }
}
