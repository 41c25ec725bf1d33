package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BridgeRulesTest {
  private static final Subnet SUBNET = Subnet.parse("10.199.0.0/16");

  private static String script(String chamberAddress, Map<Integer, InetAddress> forwards)
      throws Exception {
    BridgeSettings settings =
        new BridgeSettings(
            "impulse0",
            SUBNET,
            InetAddress.getByName(chamberAddress),
            java.util.Optional.empty(),
            4,
            java.nio.file.Path.of("/run/impulse/network"),
            1024,
            java.util.List.of("192.0.2.0/24"));
    return BridgeRules.script(settings, 8080, forwards);
  }

  @Test
  void theScriptReplacesBothTablesInOneTransaction() throws Exception {
    String nft = script("127.0.0.1", Map.of());
    // create-then-delete makes the delete succeed on a host without the tables
    assertThat(nft)
        .startsWith(
            "table inet impulse_impulse0 {}\ndelete table inet impulse_impulse0\n"
                + "table bridge impulse_impulse0 {}\ndelete table bridge impulse_impulse0\n");
  }

  @Test
  void forwardingIsOneMapOfPortToChamberAddressAndWrapperPort() throws Exception {
    String nft =
        script(
            "127.0.0.1",
            Map.of(
                6001, InetAddress.getByName("10.199.0.3"),
                6000, InetAddress.getByName("10.199.0.2")));
    assertThat(nft)
        .contains("type inet_service : ipv4_addr . inet_service")
        .contains("elements = { 6000 : 10.199.0.2 . 8080, 6001 : 10.199.0.3 . 8080 }")
        .contains("ip daddr 127.0.0.1 dnat ip to tcp dport map @ports");
    // loopback is not reachable from outside, so no inbound chain is needed
    assertThat(nft).doesNotContain("chain inbound");
  }

  @Test
  void aWildcardChamberAddressForwardsEveryLocalAddressButNotFromTheBridge() throws Exception {
    String nft = script("0.0.0.0", Map.of());
    assertThat(nft)
        .contains("iifname != \"impulse0\" fib daddr type local dnat ip to tcp dport map @ports")
        .contains("fib daddr type local dnat ip to tcp dport map @ports");
  }

  @Test
  void chambersReachOnlyTheOutsideWorld() throws Exception {
    String nft = script("127.0.0.1", Map.of());
    assertThat(nft)
        // the host, on any address: only replies to connections it opened
        .contains(
            "iifname \"impulse0\" ct state established,related accept\n"
                + "    iifname \"impulse0\" drop")
        // other chambers, routed and bridged
        .contains("iifname \"impulse0\" oifname \"impulse0\" drop")
        .contains("table bridge impulse_impulse0")
        .contains("iifname \"impulse0-*\" drop")
        // loopback, link-local (metadata), multicast and reserved
        .contains(
            "elements = { 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3,"
                + " 100.100.100.200/32, 168.63.129.16/32, 192.0.2.0/24 }")
        // host services that other software forwards: dropped before any DNAT
        .contains("iifname \"impulse0\" fib daddr type local drop")
        // the host's connection table is shared: bounded per chamber
        .contains("add @flows { ip saddr ct count over 1024 } drop")
        .contains("add @rates { ip saddr limit rate over 200/second burst 400 packets } drop")
        .contains("iifname \"impulse0\" ip daddr @unreachable drop")
        .contains("iifname \"impulse0\" ip daddr 127.0.0.0/8 drop")
        .contains("iifname \"impulse0\" meta nfproto ipv6 drop")
        // the outside world, masqueraded
        .contains("ip saddr 10.199.0.0/16 oifname != \"impulse0\" masquerade")
        // and from outside only forwarded ports and replies
        .contains("oifname \"impulse0\" ct status dnat accept\n    oifname \"impulse0\" drop");
  }

  @Test
  void removingAForwardIsRepeatable() throws Exception {
    String nft = BridgeRules.remove("impulse0", 6000, InetAddress.getByName("10.199.0.2"), 8080);
    assertThat(nft)
        .isEqualTo(
            "add table inet impulse_impulse0\n"
                + "add map inet impulse_impulse0 ports { type inet_service : ipv4_addr ."
                + " inet_service; }\n"
                + "add element inet impulse_impulse0 ports { 6000 : 10.199.0.2 . 8080 }\n"
                + "delete element inet impulse_impulse0 ports { 6000 }\n");
  }
}
