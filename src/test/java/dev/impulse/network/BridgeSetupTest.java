package dev.impulse.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeSetupTest {
  private static final Subnet SUBNET = Subnet.parse("10.199.0.0/16");

  /** {@code ip -4 -o route show table all} of a host with Docker, libvirt and a VPN. */
  private static final String ROUTES =
      """
      default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.2 metric 100\s
      0.0.0.0/1 via 10.8.0.1 dev tun0\s
      128.0.0.0/1 via 10.8.0.1 dev tun0\s
      172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown\s
      192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 metric 100\s
      192.168.122.0/24 dev virbr0 proto kernel scope link src 192.168.122.1 linkdown\s
      blackhole 10.0.0.0/8 proto static\s
      unreachable 10.199.7.0/24\s
      throw 10.0.0.0/8 table 52\s
      prohibit 10.199.0.0/16 table 7\s
      10.199.0.0/16 dev impulse0 proto kernel scope link src 10.199.0.1\s
      local 10.199.0.1 dev impulse0 table local proto kernel scope host src 10.199.0.1\s
      broadcast 10.199.255.255 dev impulse0 table local proto kernel scope link src 10.199.0.1\s
      local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1\s
      local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\s
      broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1\s
      local 192.0.2.2 dev eth0 table local proto kernel scope host src 192.0.2.2\s
      broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2\s
      default dev wg0 table 51820 scope link\s
      """;

  @TempDir Path dir;

  @Test
  void aHostThatRoutesOnlyOtherNetworksLeavesTheSubnetFree() {
    assertThat(BridgeSetup.overlappingRoute(ROUTES, SUBNET, "impulse0")).isEmpty();
    assertThat(BridgeSetup.overlappingRoute("", SUBNET, "impulse0")).isEmpty();
  }

  @Test
  void theSubnetsOwnBridgeIsNoConflictButTheSameRouteOnAnotherDeviceIs() {
    assertThat(BridgeSetup.overlappingRoute(ROUTES, SUBNET, "impulse1"))
        .contains("10.199.0.0/16 dev impulse0 proto kernel scope link src 10.199.0.1");
  }

  @Test
  void aRouteViaAGatewayIsAConflict() {
    String line = "10.0.0.0/8 via 192.0.2.1 dev eth0 proto static metric 100";
    assertThat(BridgeSetup.overlappingRoute(ROUTES + line + "\n", SUBNET, "impulse0"))
        .contains(line);
  }

  @Test
  void aRouteOfAnotherTableIsAConflict() {
    String line = "10.199.3.0/24 via 192.0.2.1 dev eth0 table 100 proto static";
    assertThat(BridgeSetup.overlappingRoute(line, SUBNET, "impulse0")).contains(line);
    String tailscale = "10.199.0.7 dev tailscale0 table 52";
    assertThat(BridgeSetup.overlappingRoute(tailscale, SUBNET, "impulse0")).contains(tailscale);
  }

  @Test
  void aLocalAddressOfTheHostInTheSubnetIsAConflict() {
    String line = "local 10.199.0.9 dev eth1 table local proto kernel scope host src 10.199.0.9";
    assertThat(BridgeSetup.overlappingRoute(line, SUBNET, "impulse0")).contains(line);
  }

  @Test
  void aRouteThroughANexthopGroupWithoutDeviceIsAConflict() {
    String line = "10.199.0.0/20 nhid 12 proto static";
    assertThat(BridgeSetup.overlappingRoute(line, SUBNET, "impulse0")).contains(line);
  }

  @Test
  void routesThatOnlyTouchTheSubnetsNeighboursAreNoConflict() {
    String routes = "10.198.0.0/16 dev eth1 scope link\n10.200.0.0/16 via 192.0.2.1 dev eth0\n";
    assertThat(BridgeSetup.overlappingRoute(routes, SUBNET, "impulse0")).isEmpty();
  }

  @Test
  void theHostsAddressesAreReadFromIpAddrShow() {
    String output =
        """
        1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
        2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global dynamic eth0\\       valid_lft 85000sec preferred_lft 85000sec
        2: eth0    inet 192.0.2.3/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever
        5: tun0    inet 10.8.0.2 peer 10.8.0.1/32 scope global tun0\\       valid_lft forever preferred_lft forever
        """;
    assertThat(BridgeSetup.hostAddresses(output))
        .containsExactly(
            InetAddress.ofLiteral("127.0.0.1"),
            InetAddress.ofLiteral("192.0.2.2"),
            InetAddress.ofLiteral("192.0.2.3"),
            InetAddress.ofLiteral("10.8.0.2"));
    assertThat(BridgeSetup.hostAddresses("")).isEmpty();
  }

  @Test
  void aBridgeThatDoesNotExistIsMade() {
    assertThat(BridgeSetup.existingBridge(dir, "impulse0")).isFalse();
  }

  @Test
  void aBridgeImpulseMadeIsTakenAgain() throws Exception {
    Files.createDirectories(dir.resolve("impulse0/bridge"));
    Files.writeString(dir.resolve("impulse0/ifalias"), "impulse\n");
    assertThat(BridgeSetup.existingBridge(dir, "impulse0")).isTrue();
  }

  @Test
  void aBridgeOfAnotherProgramIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("docker0/bridge"));
    Files.writeString(dir.resolve("docker0/ifalias"), "");
    assertThatThrownBy(() -> BridgeSetup.existingBridge(dir, "docker0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("impulse did not make it")
        .hasMessageContaining("choose another --bridge")
        .hasMessageContaining("ip link del docker0");
    Files.createDirectories(dir.resolve("virbr0/bridge"));
    assertThatThrownBy(() -> BridgeSetup.existingBridge(dir, "virbr0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alias is ''");
  }

  @Test
  void anInterfaceThatIsNoBridgeIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("eth0"));
    assertThatThrownBy(() -> BridgeSetup.existingBridge(dir, "eth0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a bridge");
  }
}
