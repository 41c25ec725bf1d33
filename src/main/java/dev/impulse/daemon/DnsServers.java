package dev.impulse.daemon;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parses {@code --dns}: comma-separated IP addresses, {@code none}, or blank. */
final class DnsServers {
  private DnsServers() {}

  /** Empty for blank (the host's upstream servers), an empty list for {@code none}. */
  static Optional<List<InetAddress>> parse(String servers) {
    String text = servers.trim();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    if (text.equals("none")) {
      return Optional.of(List.of());
    }
    List<InetAddress> parsed = new ArrayList<>();
    for (String server : text.split(",")) {
      String address = server.trim();
      if (!address.matches("[0-9a-fA-F:.]+")) {
        throw new IllegalArgumentException(
            "--dns takes IP addresses separated by commas, or none; not '" + address + "'");
      }
      try {
        parsed.add(InetAddress.getByName(address));
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("--dns: '" + address + "' is not an address");
      }
    }
    return Optional.of(List.copyOf(parsed));
  }
}
