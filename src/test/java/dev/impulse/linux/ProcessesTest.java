package dev.impulse.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessesTest {
  @Test
  void decodesExitCodesTheWayConmonRecordsThem() {
    assertThat(Processes.decode(0)).isZero();
    assertThat(Processes.decode(3 << 8)).isEqualTo(3);
    assertThat(Processes.decode(9)).isEqualTo(137);
    assertThat(Processes.decode(15)).isEqualTo(143);
  }
}
