package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long T0 = 1_000_000_000_000L;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** The wait after the {@code n}th failure in a row, all at {@code T0}. */
  private static long waitAfter(int n) {
    Backoff b = new Backoff(T0);
    for (int i = 0; i < n; i++) {
      b.failed(T0);
    }
    assertThat(b.allows(T0 + Backoff.MAX_NANOS)).isTrue();
    long lo = 0;
    long hi = Backoff.MAX_NANOS;
    while (lo < hi) {
      long mid = (lo + hi) / 2;
      if (b.allows(T0 + mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  @Test
  void aNewBackoffAllowsAStartAtOnce() {
    assertThat(new Backoff(T0).allows(T0)).isTrue();
  }

  @Test
  void theFirstReplacementIsImmediate() {
    assertThat(waitAfter(1)).isZero();
  }

  @Test
  void furtherReplacementsWaitOneTwoFourSecondsAndSoOn() {
    assertThat(waitAfter(2)).isEqualTo(SECOND);
    assertThat(waitAfter(3)).isEqualTo(2 * SECOND);
    assertThat(waitAfter(4)).isEqualTo(4 * SECOND);
    assertThat(waitAfter(5)).isEqualTo(8 * SECOND);
    assertThat(waitAfter(6)).isEqualTo(16 * SECOND);
  }

  @Test
  void theWaitIsCappedAtThirtySeconds() {
    assertThat(waitAfter(7)).isEqualTo(Backoff.MAX_NANOS).isEqualTo(30 * SECOND);
    assertThat(waitAfter(100)).isEqualTo(Backoff.MAX_NANOS);
  }

  @Test
  void theWaitCountsFromTheLatestFailure() {
    Backoff b = new Backoff(T0);
    b.failed(T0);
    b.failed(T0 + 5 * SECOND);
    assertThat(b.allows(T0 + 5 * SECOND + SECOND - 1)).isFalse();
    assertThat(b.allows(T0 + 6 * SECOND)).isTrue();
  }

  @Test
  void aResetEndsTheWaitAndStartsTheSequenceAgain() {
    Backoff b = new Backoff(T0);
    for (int i = 0; i < 5; i++) {
      b.failed(T0);
    }
    assertThat(b.allows(T0 + SECOND)).isFalse();

    b.reset(T0 + SECOND);

    assertThat(b.allows(T0 + SECOND)).isTrue();
    b.failed(T0 + 2 * SECOND);
    assertThat(b.allows(T0 + 2 * SECOND)).isTrue();
    b.failed(T0 + 2 * SECOND);
    assertThat(b.allows(T0 + 3 * SECOND - 1)).isFalse();
    assertThat(b.allows(T0 + 3 * SECOND)).isTrue();
  }

  @Test
  void itSurvivesTheNanoClockWrappingAround() {
    long nearEnd = Long.MAX_VALUE - SECOND / 2;
    Backoff b = new Backoff(nearEnd);
    b.failed(nearEnd);
    b.failed(nearEnd); // waits 1 s: past Long.MAX_VALUE
    assertThat(b.allows(nearEnd + SECOND / 2)).isFalse();
    assertThat(b.allows(nearEnd + SECOND)).isTrue();
  }
}
