package dev.impulse.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoadWindowTest {
  private static final long T0 = 5_000_000_000L;
  private static final long MS = 1_000_000L;

  @Test
  void anEmptyWindowHasNoLoad() {
    assertThat(new LoadWindow().mean()).isZero();
  }

  @Test
  void theMeanIsOverTheSamplesInTheWindow() {
    LoadWindow w = new LoadWindow();
    w.add(T0, 1);
    w.add(T0 + 100 * MS, 2);
    w.add(T0 + 200 * MS, 6);
    assertThat(w.mean()).isEqualTo(3.0);
  }

  @Test
  void samplesOlderThanTwoSecondsDropOut() {
    LoadWindow w = new LoadWindow();
    w.add(T0, 10);
    w.add(T0 + 1000 * MS, 0);
    w.add(T0 + LoadWindow.WINDOW_NANOS, 2);
    assertThat(w.mean()).as("a sample exactly 2 s old still counts").isEqualTo(4.0);

    w.add(T0 + LoadWindow.WINDOW_NANOS + 1, 4);

    assertThat(w.mean()).isEqualTo(2.0);
  }

  @Test
  void aLongQuietSpellLeavesOnlyTheLatestSample() {
    LoadWindow w = new LoadWindow();
    for (int i = 0; i < 20; i++) {
      w.add(T0 + i * 100 * MS, 50);
    }
    w.add(T0 + 60_000 * MS, 1);
    assertThat(w.mean()).isEqualTo(1.0);
  }

  @Test
  void theSampleCountIsBounded() {
    LoadWindow w = new LoadWindow();
    for (int i = 0; i < 100; i++) {
      w.add(T0, 1000);
    }
    for (int i = 0; i < LoadWindow.MAX_SAMPLES; i++) {
      w.add(T0, 1);
    }
    assertThat(w.mean()).as("the oldest samples went, though inside the window").isEqualTo(1.0);
  }
}
