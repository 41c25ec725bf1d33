package dev.impulse.network;

import java.net.InetAddress;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The nftables rules of a bridge network, as one {@code nft -f} script that replaces the daemon's
 * two tables atomically. Forwarding is one map lookup ({@code ports}: host port → chamber address
 * and wrapper port), so adding a chamber adds one element and no rule. What they hold:
 *
 * <ul>
 *   <li>the chamber address's ports in the map reach their chambers, from the host itself (loopback
 *       callers are masqueraded as the bridge) and, unless the chamber address is loopback, from
 *       outside;
 *   <li>chambers reach the outside world, masqueraded as the host;
 *   <li>dropped: anything from a chamber to the host itself on any of its addresses (only replies
 *       to connections the host opened pass), to another chamber (bridged or routed), to loopback,
 *       link-local (cloud metadata services), multicast and reserved addresses, and anything over
 *       IPv6; and anything from outside to a chamber but forwarded ports and replies.
 * </ul>
 *
 * Pure: {@link BridgeNetwork} runs what this writes.
 */
final class BridgeRules {
  /**
   * Addresses no chamber reaches: "this network", loopback, link-local (most clouds' metadata
   * services, 169.254.169.254 among them), multicast and reserved, and the metadata services that
   * live elsewhere: Alibaba Cloud's 100.100.100.200 and Azure's WireServer 168.63.129.16.
   */
  static final String UNREACHABLE =
      "0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3, 100.100.100.200/32, 168.63.129.16/32";

  /** New connections a chamber may open per second (and at once, in a burst). */
  static final int NEW_FLOWS_PER_SECOND = 200;

  static final int NEW_FLOWS_BURST = 400;

  private BridgeRules() {}

  /** The name of the daemon's tables (one in the inet family, one in the bridge family). */
  static String table(String bridge) {
    return "impulse_" + bridge;
  }

  /** The script that replaces both tables with rules forwarding {@code forwards}. */
  static String script(
      BridgeSettings settings, int wrapperPort, Map<Integer, InetAddress> forwards) {
    String bridge = settings.bridge();
    Subnet subnet = settings.subnet();
    InetAddress chamberAddress = settings.chamberAddress();
    String table = table(bridge);
    String br = quoted(bridge);
    StringBuilder nft = new StringBuilder();
    // Creating before deleting makes the delete succeed on a host that has neither table yet.
    nft.append("table inet ").append(table).append(" {}\n");
    nft.append("delete table inet ").append(table).append('\n');
    nft.append("table bridge ").append(table).append(" {}\n");
    nft.append("delete table bridge ").append(table).append('\n');
    nft.append("table inet ").append(table).append(" {\n");
    nft.append("  map ports {\n    type inet_service : ipv4_addr . inet_service\n");
    if (!forwards.isEmpty()) {
      StringJoiner elements = new StringJoiner(", ", "    elements = { ", " }\n");
      new TreeMap<>(forwards)
          .forEach((port, address) -> elements.add(element(port, address, wrapperPort)));
      nft.append(elements);
    }
    nft.append("  }\n");
    nft.append("  set unreachable {\n    type ipv4_addr\n    flags interval\n");
    nft.append("    elements = { ").append(UNREACHABLE);
    settings.deny().forEach(cidr -> nft.append(", ").append(cidr));
    nft.append(" }\n  }\n");
    // Per chamber (source address): connections tracked at once, and new ones per second. The
    // host's connection-tracking table is shared: one chamber must not fill it for all.
    nft.append("  set flows {\n    type ipv4_addr\n    size 65535\n    flags dynamic\n  }\n");
    nft.append("  set rates {\n    type ipv4_addr\n    size 65535\n    flags dynamic,timeout\n");
    nft.append("    timeout 1m\n  }\n");
    // A packet from a chamber addressed to loopback never reaches the host's loopback services,
    // even with route_localnet on the bridge (which the loopback forwarding needs).
    chain(
        nft,
        "guard",
        "filter hook prerouting priority raw",
        "iifname " + br + " ip daddr 127.0.0.0/8 drop",
        "iifname " + br + " meta nfproto ipv6 drop");
    // Before any destination NAT (priority -100): a host service that other software forwards
    // (Docker, kube-proxy, libvirt) would otherwise be routed on instead of reaching the input
    // chain below. Only replies to what the host opened pass.
    chain(
        nft,
        "tohost",
        "filter hook prerouting priority -150",
        "iifname " + br + " ct state established,related accept",
        "iifname " + br + " fib daddr type local drop");
    String match = match(chamberAddress);
    if (!chamberAddress.isLoopbackAddress()) {
      chain(
          nft,
          "inbound",
          "nat hook prerouting priority -100",
          "iifname != " + br + " " + match + " dnat ip to tcp dport map @ports");
    }
    chain(
        nft, "local", "nat hook output priority -100", match + " dnat ip to tcp dport map @ports");
    chain(
        nft,
        "outbound",
        "nat hook postrouting priority srcnat",
        "oifname " + br + " ip saddr 127.0.0.0/8 masquerade",
        "ip saddr " + subnet + " oifname != " + br + " masquerade");
    chain(
        nft,
        "host",
        "filter hook input priority filter",
        "iifname " + br + " ct state established,related accept",
        "iifname " + br + " drop");
    chain(
        nft,
        "between",
        "filter hook forward priority filter",
        "iifname " + br + " oifname " + br + " drop",
        "iifname " + br + " ip daddr @unreachable drop",
        "iifname "
            + br
            + " ct state new add @rates { ip saddr limit rate over "
            + NEW_FLOWS_PER_SECOND
            + "/second burst "
            + NEW_FLOWS_BURST
            + " packets } drop",
        "iifname "
            + br
            + " ct state new add @flows { ip saddr ct count over "
            + settings.maxFlows()
            + " } drop",
        "oifname " + br + " ct state established,related accept",
        "oifname " + br + " ct status dnat accept",
        "oifname " + br + " drop");
    nft.append("}\n");
    // Frames between two chambers' ports of the bridge never pass the IP hooks above.
    nft.append("table bridge ").append(table).append(" {\n");
    chain(
        nft,
        "between",
        "filter hook forward priority filter",
        "iifname " + quoted(bridge + "-*") + " drop");
    nft.append("}\n");
    return nft.toString();
  }

  /** The script that removes both tables. */
  static String removal(String bridge) {
    String table = table(bridge);
    return "table inet "
        + table
        + " {}\ndelete table inet "
        + table
        + "\ntable bridge "
        + table
        + " {}\ndelete table bridge "
        + table
        + "\n";
  }

  /** Adds the forwarding of {@code port}. */
  static String add(String bridge, int port, InetAddress address, int wrapperPort) {
    return "add element inet "
        + table(bridge)
        + " ports { "
        + element(port, address, wrapperPort)
        + " }\n";
  }

  /**
   * Removes the forwarding of {@code port}. Adding the table, map and element first makes removal
   * repeatable, and work before {@link #script} ran (a tear-down during recovery, after a reboot).
   */
  static String remove(String bridge, int port, InetAddress address, int wrapperPort) {
    String table = table(bridge);
    return "add table inet "
        + table
        + "\n"
        + "add map inet "
        + table
        + " ports { type inet_service : ipv4_addr . inet_service; }\n"
        + add(bridge, port, address, wrapperPort)
        + "delete element inet "
        + table
        + " ports { "
        + port
        + " }\n";
  }

  private static String match(InetAddress chamberAddress) {
    return chamberAddress.isAnyLocalAddress()
        ? "fib daddr type local"
        : "ip daddr " + chamberAddress.getHostAddress();
  }

  private static String element(int port, InetAddress address, int wrapperPort) {
    return port + " : " + address.getHostAddress() + " . " + wrapperPort;
  }

  private static String quoted(String name) {
    return "\"" + name + "\"";
  }

  private static void chain(StringBuilder nft, String name, String hook, String... rules) {
    nft.append("  chain ")
        .append(name)
        .append(" {\n    type ")
        .append(hook)
        .append("; policy accept;\n");
    for (String rule : rules) {
      nft.append("    ").append(rule).append('\n');
    }
    nft.append("  }\n");
  }
}
