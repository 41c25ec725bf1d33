package dev.impulse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallerPaceTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aReaderKeepingAboveTheMinimumIsNotCutInTheMiddleOfALongWrite() {
    DataRate soFar = new DataRate();
    for (int i = 0; i < 4; i++) {
      soFar.moved(16 * 1024, 10_700_000_000L); // earlier 16 KiB writes at 1.5 KiB/s
    }
    // The fifth write, 9 s in, 13.5 KiB of it taken by the caller so far.
    assertThat(CallerPace.givesUp(soFar, 13_824, 9 * SECOND, true)).isFalse();
  }

  @Test
  void aWriteCrawlingBelowTheMinimumIsCutWhateverCameFastBefore() {
    DataRate soFar = new DataRate();
    soFar.moved(64L << 20, SECOND / 100);
    assertThat(CallerPace.givesUp(soFar, 600, 6 * SECOND, true)).isTrue();
    assertThat(CallerPace.givesUp(soFar, 600, 4 * SECOND, true)).isFalse();
  }

  @Test
  void aBodyPausingAfterAFastStartIsLeftToTheIdleTimeout() {
    DataRate soFar = new DataRate();
    soFar.moved(1 << 20, SECOND / 10);
    assertThat(CallerPace.givesUp(soFar, 0, 20 * SECOND, false)).isFalse();
  }

  @Test
  void aBodyThatNeverCameIsCutOnceTheGracePeriodIsWaited() {
    DataRate soFar = new DataRate();
    soFar.moved(40, 4 * SECOND);
    assertThat(CallerPace.givesUp(soFar, 0, 2 * SECOND, false)).isTrue();
  }
}
