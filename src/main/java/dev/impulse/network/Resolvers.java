package dev.impulse.network;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS servers chambers are given. A chamber cannot reach the host, so a resolver the host runs
 * for itself on loopback (systemd-resolved's 127.0.0.53, a local dnsmasq) is useless to it: the
 * host's upstream servers are used instead, as podman and Docker do.
 */
final class Resolvers {
  static final List<Path> SOURCES =
      List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"));

  private Resolvers() {}

  /** The first non-loopback name servers in {@code sources}; empty when none has any. */
  static List<InetAddress> upstream(List<Path> sources) {
    for (Path source : sources) {
      List<InetAddress> found = new ArrayList<>();
      try {
        for (String line : Files.readAllLines(source)) {
          String[] words = line.strip().split("\\s+");
          if (words.length >= 2 && words[0].equals("nameserver")) {
            parse(words[1]).filter(a -> !a.isLoopbackAddress()).ifPresent(found::add);
          }
        }
      } catch (IOException e) {
        continue; // not on this host
      }
      if (!found.isEmpty()) {
        return found.subList(0, Math.min(3, found.size())); // the resolver reads three
      }
    }
    return List.of();
  }

  /** A resolv.conf naming {@code servers}. */
  static String resolvConf(List<InetAddress> servers) {
    StringBuilder text = new StringBuilder("# written by impulse: the host's upstream servers\n");
    servers.forEach(s -> text.append("nameserver ").append(s.getHostAddress()).append('\n'));
    return text.toString();
  }

  private static java.util.Optional<InetAddress> parse(String text) {
    // Only literal addresses: a name here would itself need resolving.
    if (!text.matches("[0-9a-fA-F:.]+")) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(InetAddress.getByName(text));
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }
}
