package dev.impulse.network;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes and removes one chamber's network: the namespace {@code /run/netns/<bridge>-<port>}, a veth
 * pair ({@code <bridge>-<port>} on the bridge, {@code eth0} inside) with the port's address and a
 * default route through the bridge, and the forwarding of the port. Each is two {@code ip} batches
 * and one {@code nft} transaction; removal skips what is already gone.
 */
final class ChamberNamespaces {
  private static final Path NETNS_DIR = BridgeSetup.NETNS_DIR;
  private static final Path SYS_NET = BridgeSetup.SYS_NET;

  private final BridgeSettings settings;
  private final PortRange range;
  private final NetCommands commands;

  ChamberNamespaces(BridgeSettings settings, PortRange range, NetCommands commands) {
    this.settings = settings;
    this.range = range;
    this.commands = commands;
  }

  /** The name of the namespace and the host's veth of the chamber on {@code port}. */
  String name(int port) {
    return settings.bridge() + "-" + port;
  }

  /** The address of the chamber on {@code port}, a port of the range. */
  InetAddress address(int port) {
    if (!range.contains(port)) {
      throw new IllegalArgumentException("port " + port + " is outside the range " + range);
    }
    return settings.subnet().chamber(port - range.first());
  }

  /** Makes the namespace of {@code port}: veth on the bridge, address, route, forwarding. */
  void build(int port, boolean forward) {
    String name = name(port);
    Subnet subnet = settings.subnet();
    String address = address(port).getHostAddress();
    // Both ends know each other's hardware address from the start: no ARP before a chamber's
    // first packet, and permanent entries do not count against the kernel's neighbour table
    // limit (gc_thresh3, 1024 by default, shared by every namespace), which a thousand chambers
    // answering calls filled, refusing new neighbours, so calls to some chambers failed.
    commands.ip(
        "make network namespace " + name,
        "netns add "
            + name
            + "\n"
            + "link add "
            + name
            + " type veth peer name eth0 address "
            + Subnet.hardwareAddress(address(port))
            + " netns "
            + name
            + "\n"
            // no IPv6 link-local address on either end: the bridge speaks IPv4 only
            + "link set "
            + name
            + " addrgenmode none\n"
            + "link set "
            + name
            + " master "
            + settings.bridge()
            + " up\n"
            + "neigh replace "
            + address
            + " lladdr "
            + Subnet.hardwareAddress(address(port))
            + " dev "
            + settings.bridge()
            + " nud permanent\n");
    commands.ipIn(
        name,
        "configure network namespace " + name,
        "link set lo up\n"
            + "addr add "
            + address
            + "/"
            + subnet.prefix()
            + " dev eth0\n"
            + "link set eth0 addrgenmode none\n"
            + "link set eth0 up\n"
            + "route add default via "
            + subnet.gateway().getHostAddress()
            + "\n"
            + "neigh replace "
            + subnet.gateway().getHostAddress()
            + " lladdr "
            + Subnet.hardwareAddress(subnet.gateway())
            + " dev eth0 nud permanent\n");
    if (forward) {
      commands.nft(
          "forward port " + port + " to " + name,
          BridgeRules.add(settings.bridge(), port, address(port), BridgeNetwork.WRAPPER_PORT));
    }
  }

  /**
   * Removes the forwarding, veth and namespace of {@code port}, whichever exist, and forgets the
   * connections its address had: the address comes back with the port, and a tracked flow (an
   * outbound session's translation, a connection left open for days) must not reach, or be
   * continued by, the next tenant, nor fill the host's table meanwhile.
   */
  void remove(int port) {
    String name = name(port);
    InetAddress address = address(port);
    commands.nft(
        "remove the forwarding of port " + port,
        BridgeRules.remove(settings.bridge(), port, address, BridgeNetwork.WRAPPER_PORT));
    removeLinks(name);
    commands.forgetConnections(address);
    if (Files.exists(SYS_NET.resolve(settings.bridge()))) {
      commands.ip(
          "forget the neighbour entry of " + address.getHostAddress(),
          // "nud all": a flush leaves permanent entries otherwise
          "neigh flush to "
              + address.getHostAddress()
              + " dev "
              + settings.bridge()
              + " nud all\n");
    }
  }

  /**
   * Brings the bridge's permanent neighbour entries in line with the ports {@code held} at a
   * daemon's start: entries of ports no chamber holds (an earlier daemon's pool or cells, left by a
   * kill that kept the bridge) are removed, and a kept namespace that lacks its entries (made by an
   * earlier version of impulse, or the bridge was made again) gets its fixed hardware address and
   * both entries. A veth takes a new hardware address while up; the chamber's connections go on.
   */
  void reconcileNeighbours(Collection<Integer> held) {
    Map<String, String> permanent = new HashMap<>();
    String listed =
        commands.ipOutput(
            "list the permanent neighbour entries of bridge " + settings.bridge(),
            List.of("-4", "neigh", "show", "dev", settings.bridge(), "nud", "permanent"));
    for (String line : listed.lines().toList()) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 3 && fields[1].equals("lladdr")) {
        permanent.put(fields[0], fields[2]);
      }
    }
    StringBuilder host = new StringBuilder();
    Set<String> wanted = new HashSet<>();
    for (int port : held) {
      String address = address(port).getHostAddress();
      String mac = Subnet.hardwareAddress(address(port));
      wanted.add(address);
      if (!mac.equals(permanent.get(address))) {
        InetAddress gateway = settings.subnet().gateway();
        commands.ipIn(
            name(port),
            "give network namespace " + name(port) + " its fixed hardware address",
            "link set eth0 address "
                + mac
                + "\nneigh replace "
                + gateway.getHostAddress()
                + " lladdr "
                + Subnet.hardwareAddress(gateway)
                + " dev eth0 nud permanent\n");
        host.append("neigh replace ")
            .append(address)
            .append(" lladdr ")
            .append(mac)
            .append(" dev ")
            .append(settings.bridge())
            .append(" nud permanent\n");
      }
    }
    for (String address : permanent.keySet()) {
      if (!wanted.contains(address)) {
        host.append("neigh del ").append(address).append(" dev ").append(settings.bridge());
        host.append('\n');
      }
    }
    if (!host.isEmpty()) {
      commands.ip("correct the neighbour entries of bridge " + settings.bridge(), host.toString());
    }
  }

  void removeLinks(String name) {
    StringBuilder batch = new StringBuilder();
    // Deleting the veth first removes both ends now; a namespace is freed by the kernel later.
    if (Files.exists(SYS_NET.resolve(name))) {
      batch.append("link del ").append(name).append('\n');
    }
    if (Files.exists(NETNS_DIR.resolve(name))) {
      batch.append("netns del ").append(name).append('\n');
    }
    if (!batch.isEmpty()) {
      commands.ip("remove network namespace " + name, batch.toString());
    }
  }
}
