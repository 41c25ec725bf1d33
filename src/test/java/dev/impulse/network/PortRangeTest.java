package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PortRangeTest {
  @Test
  void parsesFirstDashLast() {
    PortRange range = PortRange.parse("6000-9999");
    assertThat(range.first()).isEqualTo(6000);
    assertThat(range.last()).isEqualTo(9999);
    assertThat(range.size()).isEqualTo(4000);
    assertThat(range).hasToString("6000-9999");
  }

  @Test
  void refusesMalformedAndOutOfBoundRanges() {
    assertThatThrownBy(() -> PortRange.parse("6000")).hasMessageContaining("FIRST-LAST");
    assertThatThrownBy(() -> PortRange.parse("a-b")).hasMessageContaining("FIRST-LAST");
    assertThatThrownBy(() -> PortRange.parse("9000-8000")).hasMessageContaining("first <= last");
    assertThatThrownBy(() -> PortRange.parse("0-10")).hasMessageContaining("1-65535");
    assertThatThrownBy(() -> PortRange.parse("60000-70000")).hasMessageContaining("1-65535");
  }
}
