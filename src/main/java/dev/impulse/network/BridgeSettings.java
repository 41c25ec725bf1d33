package dev.impulse.network;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a bridge network is laid out.
 *
 * @param bridge the bridge's name, 1 to 9 lowercase letters and digits: chambers' namespaces and
 *     veths are named {@code <bridge>-<port>}, which must fit the kernel's 15 characters
 * @param subnet the chambers' addresses; the bridge takes the first
 * @param chamberAddress the host address whose ports in the range reach chambers
 * @param dns the name servers chambers use; empty: the host's upstream servers
 * @param poolSize how many namespaces are kept ready ahead of creates
 * @param filesDir where the chambers' shared resolv.conf and hosts are written
 * @param maxFlows connections one chamber may have tracked at once (the host's table is shared)
 * @param deny further IPv4 networks no chamber may reach ({@code A.B.C.D/N}), beyond {@link
 *     BridgeRules#UNREACHABLE}
 */
public record BridgeSettings(
    String bridge,
    Subnet subnet,
    InetAddress chamberAddress,
    Optional<List<InetAddress>> dns,
    int poolSize,
    Path filesDir,
    int maxFlows,
    List<String> deny) {
  public BridgeSettings {
    if (!bridge.matches("[a-z][a-z0-9]{0,8}")) {
      throw new IllegalArgumentException(
          "bridge name '"
              + bridge
              + "' must be 1 to 9 lowercase letters and digits, starting with"
              + " a letter (chambers' interfaces are named <bridge>-<port>)");
    }
    Objects.requireNonNull(subnet, "subnet");
    if (!(chamberAddress instanceof Inet4Address)) {
      throw new IllegalArgumentException(
          "--network bridge forwards IPv4 only: --chamber-address must be an IPv4 address, not "
              + chamberAddress.getHostAddress());
    }
    dns = dns.map(List::copyOf);
    if (poolSize < 0 || poolSize > 64) {
      throw new IllegalArgumentException("--network-pool must be 0 to 64, not " + poolSize);
    }
    Objects.requireNonNull(filesDir, "filesDir");
    if (maxFlows < 16 || maxFlows > 1_000_000) {
      throw new IllegalArgumentException(
          "--chamber-max-flows must be 16 to 1000000, not " + maxFlows);
    }
    deny = List.copyOf(deny);
    for (String cidr : deny) {
      if (!cidr.matches("\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?")) {
        throw new IllegalArgumentException(
            "--chamber-deny takes IPv4 networks such as 10.0.0.0/8, comma-separated; not '"
                + cidr
                + "'");
      }
    }
  }
}
