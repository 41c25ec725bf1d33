package dev.impulse.network;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 network such as {@code 10.199.0.0/16}: the bridge takes its first host address, chamber
 * {@code i} (counted from 0) the address {@code 2 + i}.
 *
 * @param network the network's address as an unsigned 32-bit number
 * @param prefix the prefix length, 12 to 28
 */
public record Subnet(long network, int prefix) {
  public Subnet {
    if (prefix < 12 || prefix > 28) {
      throw new IllegalArgumentException(
          "a chamber subnet has a prefix length of 12 to 28 (/16 is usual), not /" + prefix);
    }
    if ((network & ~mask(prefix) & 0xffffffffL) != 0) {
      throw new IllegalArgumentException(
          "subnet "
              + text(network)
              + "/"
              + prefix
              + " has host bits set; did you mean "
              + text(network & mask(prefix))
              + "/"
              + prefix
              + "?");
    }
  }

  /** Parses {@code A.B.C.D/N}. */
  public static Subnet parse(String cidr) {
    String[] parts = cidr.trim().split("/", -1);
    if (parts.length != 2 || !parts[0].matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw new IllegalArgumentException(
          "chamber subnet '" + cidr + "' is not an IPv4 network such as 10.199.0.0/16");
    }
    long value = 0;
    for (String octet : parts[0].split("\\.")) {
      int v = Integer.parseInt(octet);
      if (v > 255) {
        throw new IllegalArgumentException(
            "chamber subnet '" + cidr + "': " + v + " is not an octet");
      }
      value = (value << 8) | v;
    }
    try {
      return new Subnet(value, Integer.parseInt(parts[1]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("chamber subnet '" + cidr + "' has no prefix length");
    }
  }

  /** How many chambers it has addresses for (all but network, bridge and broadcast). */
  public long chamberCapacity() {
    return (1L << (32 - prefix)) - 3;
  }

  /** The bridge's (the chambers' gateway's) address. */
  public InetAddress gateway() {
    return at(1);
  }

  /** The address of chamber {@code index} (from 0). */
  public InetAddress chamber(int index) {
    if (index < 0 || index >= chamberCapacity()) {
      throw new IllegalArgumentException(index + " is outside " + this);
    }
    return at(2 + index);
  }

  /**
   * True when this network shares an address with {@code cidr} ({@code A.B.C.D} or {@code
   * A.B.C.D/N}, any length); false for text that is not such a network.
   */
  public boolean overlaps(String cidr) {
    long[] other;
    try {
      other = Cidrs.parse(cidr);
    } catch (IllegalArgumentException e) {
      return false;
    }
    long common = mask(Math.min(prefix, (int) other[1]));
    return (network & common) == (other[0] & common);
  }

  /**
   * The hardware address of the interface holding {@code address} on the bridge: {@code 0a:58:}
   * then the address's four bytes, the locally administered form the CNI bridge plugin derives from
   * an IPv4 address too. Fixed by the address, so neighbour entries can be written ahead.
   */
  public static String hardwareAddress(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length != 4) {
      throw new IllegalArgumentException(address + " is not an IPv4 address");
    }
    return String.format(
        "0a:58:%02x:%02x:%02x:%02x",
        bytes[0] & 255, bytes[1] & 255, bytes[2] & 255, bytes[3] & 255);
  }

  private InetAddress at(long offset) {
    long value = network + offset;
    byte[] bytes = {(byte) (value >> 24), (byte) (value >> 16), (byte) (value >> 8), (byte) value};
    try {
      return Inet4Address.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always an address
    }
  }

  private static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
  }

  private static String text(long value) {
    return (value >> 24 & 255)
        + "."
        + (value >> 16 & 255)
        + "."
        + (value >> 8 & 255)
        + "."
        + (value & 255);
  }

  @Override
  public String toString() {
    return text(network) + "/" + prefix;
  }
}
