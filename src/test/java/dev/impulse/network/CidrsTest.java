package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrsTest {
  private static InetAddress at(String literal) {
    return InetAddress.ofLiteral(literal);
  }

  @Test
  void aNetworkHoldsTheAddressesOfItsPrefix() {
    assertThat(Cidrs.contains("169.254.0.0/16", at("169.254.169.254"))).isTrue();
    assertThat(Cidrs.contains("169.254.0.0/16", at("169.255.0.1"))).isFalse();
    assertThat(Cidrs.contains("224.0.0.0/3", at("239.255.255.250"))).isTrue();
    assertThat(Cidrs.contains("224.0.0.0/3", at("255.255.255.255"))).isTrue();
    assertThat(Cidrs.contains("224.0.0.0/3", at("223.255.255.255"))).isFalse();
    assertThat(Cidrs.contains("0.0.0.0/0", at("192.0.2.1"))).isTrue();
  }

  @Test
  void anAddressWithoutPrefixOrWithThirtyTwoIsOneAddress() {
    assertThat(Cidrs.contains("100.100.100.200/32", at("100.100.100.200"))).isTrue();
    assertThat(Cidrs.contains("100.100.100.200/32", at("100.100.100.201"))).isFalse();
    assertThat(Cidrs.contains("168.63.129.16", at("168.63.129.16"))).isTrue();
  }

  @Test
  void anIpv6AddressIsInNoIpv4Network() {
    assertThat(Cidrs.contains("0.0.0.0/0", at("2001:db8::1"))).isFalse();
    assertThat(Cidrs.contains("127.0.0.0/8", at("::1"))).isFalse();
  }

  @Test
  void textThatIsNoNetworkIsRefused() {
    for (String bad : new String[] {"10.0.0/8", "10.0.0.0/33", "10.0.0.256/8", "10.0.0.0/", "x"}) {
      assertThatThrownBy(() -> Cidrs.contains(bad, at("10.0.0.1")))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theUnreachableListOfTheRulesSplitsIntoNetworks() {
    assertThat(Cidrs.split(BridgeRules.UNREACHABLE))
        .contains("127.0.0.0/8", "169.254.0.0/16")
        .allSatisfy(cidr -> assertThat(Cidrs.contains(cidr, at("192.0.2.1"))).isFalse());
    assertThat(Cidrs.split(" 10.0.0.0/8,192.0.2.0/24 , "))
        .containsExactly("10.0.0.0/8", "192.0.2.0/24");
  }
}
