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
 */
public record BridgeSettings(
    String bridge,
    Subnet subnet,
    InetAddress chamberAddress,
    Optional<List<InetAddress>> dns,
    int poolSize,
    Path filesDir) {
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
  }
}
