package dev.impulse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PullLogTest {
  private static final String LINES =
      """
      2026-12-01T11:30:00.100Z INFO  PulledRuntimes - runtime bench-pull-10: pulled \
      127.0.0.1:40001/bench/python:3.11 (3 layers, interpreter /usr/local/bin/python3) in 999 ms
      2026-12-01T11:30:01.000Z INFO  ImagePuller - pulled 127.0.0.1:40001/bench/python:3.11 \
      (1a2b3c4d5e6f): 3 layers, 49096932 bytes, in 2345 ms
      2026-12-01T11:30:01.010Z INFO  PulledRuntimes - runtime bench-pull-1: pulled \
      127.0.0.1:40001/bench/python:3.11 (3 layers, interpreter /usr/local/bin/python3) in 2371 ms
      """;

  @Test
  void theNamedRuntimesLineAndTheLastImageLineAreRead() {
    PullLog log = PullLog.parse(LINES, "bench-pull-1");

    assertThat(log.imageMs()).hasValue(2345);
    assertThat(log.runtimeMs()).hasValue(2371);
    assertThat(log.complete()).isTrue();
  }

  @Test
  void aPullWhoseRuntimeLineIsNotLoggedYetIsIncomplete() {
    PullLog log = PullLog.parse(LINES, "bench-pull-2");

    assertThat(log.runtimeMs()).isEmpty();
    assertThat(log.complete()).isFalse();
  }
}
