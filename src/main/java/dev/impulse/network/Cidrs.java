package dev.impulse.network;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * IPv4 networks written as text, {@code A.B.C.D/N} with any length 0 to 32, as nftables takes them
 * ({@link Subnet} is only the chambers' own network, /12 to /28).
 */
final class Cidrs {
  private Cidrs() {}

  /** The networks of a list such as {@link BridgeRules#UNREACHABLE}: {@code "A/N, B/M"}. */
  static List<String> split(String list) {
    return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * True when network {@code cidr} ({@code A.B.C.D/N}, or {@code A.B.C.D} for one address) holds
   * {@code address}; false for an IPv6 address.
   *
   * @throws IllegalArgumentException when {@code cidr} is not such a network
   */
  static boolean contains(String cidr, InetAddress address) {
    long[] parsed = parse(cidr);
    long network = parsed[0];
    int prefix = (int) parsed[1];
    if (!(address instanceof Inet4Address)) {
      return false;
    }
    long value = 0;
    for (byte b : address.getAddress()) {
      value = (value << 8) | (b & 255);
    }
    long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    return (value & mask) == (network & mask);
  }

  /**
   * {@code A.B.C.D/N} (or {@code A.B.C.D}, a /32) as {network, prefix length}.
   *
   * @throws IllegalArgumentException when {@code cidr} is not such a network
   */
  static long[] parse(String cidr) {
    String[] parts = cidr.strip().split("/", -1);
    if (parts.length > 2
        || !parts[0].matches("\\d{1,3}(\\.\\d{1,3}){3}")
        || (parts.length == 2 && !parts[1].matches("\\d{1,2}"))) {
      throw new IllegalArgumentException(
          "'" + cidr + "' is not an IPv4 network such as 10.0.0.0/8");
    }
    int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
    long network = 0;
    for (String octet : parts[0].split("\\.")) {
      int value = Integer.parseInt(octet);
      if (value > 255 || prefix > 32) {
        throw new IllegalArgumentException(
            "'" + cidr + "' is not an IPv4 network such as 10.0.0.0/8");
      }
      network = (network << 8) | value;
    }
    return new long[] {network, prefix};
  }
}
