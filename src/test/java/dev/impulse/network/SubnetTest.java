package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SubnetTest {
  @Test
  void theBridgeTakesTheFirstAddressAndChambersTheOnesAfter() {
    Subnet subnet = Subnet.parse("10.199.0.0/16");
    assertThat(subnet.gateway().getHostAddress()).isEqualTo("10.199.0.1");
    assertThat(subnet.chamber(0).getHostAddress()).isEqualTo("10.199.0.2");
    assertThat(subnet.chamber(300).getHostAddress()).isEqualTo("10.199.1.46");
    assertThat(subnet.chamberCapacity()).isEqualTo(65533);
    assertThat(subnet.chamber(65532).getHostAddress()).isEqualTo("10.199.255.254");
    assertThatThrownBy(() -> subnet.chamber(65533)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eachAddressHasItsOwnLocallyAdministeredHardwareAddress() {
    Subnet subnet = Subnet.parse("10.199.0.0/16");
    assertThat(Subnet.hardwareAddress(subnet.gateway())).isEqualTo("0a:58:0a:c7:00:01");
    assertThat(Subnet.hardwareAddress(subnet.chamber(300))).isEqualTo("0a:58:0a:c7:01:2e");
    assertThat(Subnet.hardwareAddress(Subnet.parse("172.16.0.0/12").chamber(253)))
        .isEqualTo("0a:58:ac:10:00:ff");
  }

  @Test
  void aSubnetWithHostBitsSetOrAnOddLengthIsRefusedWithTheFix() {
    assertThatThrownBy(() -> Subnet.parse("10.199.3.0/16"))
        .hasMessageContaining("did you mean 10.199.0.0/16?");
    assertThatThrownBy(() -> Subnet.parse("10.0.0.0/8")).hasMessageContaining("12 to 28");
    assertThatThrownBy(() -> Subnet.parse("10.0.0.0/30")).hasMessageContaining("12 to 28");
    assertThatThrownBy(() -> Subnet.parse("10.300.0.0/16")).hasMessageContaining("300");
    assertThatThrownBy(() -> Subnet.parse("fd00::/64")).hasMessageContaining("IPv4");
    assertThatThrownBy(() -> Subnet.parse("10.1.0.0")).hasMessageContaining("IPv4 network");
  }

  @Test
  void overlapIsFoundWhicheverNetworkIsLarger() {
    Subnet subnet = Subnet.parse("10.199.0.0/16");
    assertThat(subnet.overlaps("10.0.0.0/8")).isTrue();
    assertThat(subnet.overlaps("10.199.7.0/24")).isTrue();
    assertThat(subnet.overlaps("10.199.7.9")).isTrue();
    assertThat(subnet.overlaps("10.198.0.0/16")).isFalse();
    assertThat(subnet.overlaps("192.0.2.0/24")).isFalse();
    assertThat(subnet.overlaps("0.0.0.0/0")).isTrue();
    assertThat(subnet.overlaps("not-a-network")).isFalse();
  }
}
