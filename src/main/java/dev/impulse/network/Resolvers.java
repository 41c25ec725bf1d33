package dev.impulse.network;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The DNS servers chambers are given. A chamber reaches neither the host (a resolver it runs for
 * itself on loopback, such as systemd-resolved's 127.0.0.53, or on one of its interfaces, such as
 * libvirt's dnsmasq on 192.168.122.1) nor the addresses of {@link BridgeRules#UNREACHABLE} (a
 * cloud's link-local resolver, such as GCE's 169.254.169.254), nor anything over IPv6: such servers
 * are skipped for the ones behind them, as podman and Docker do.
 */
final class Resolvers {
  static final List<Path> SOURCES =
      List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"));

  /** The resolver reads three servers. */
  private static final int MAX_SERVERS = 3;

  private Resolvers() {}

  /**
   * A server of the host's chambers cannot use.
   *
   * @param server its address
   * @param source the file that names it
   * @param reason why chambers cannot reach it
   */
  record Skipped(InetAddress server, Path source, String reason) {
    @Override
    public String toString() {
      return server.getHostAddress() + " (" + source + "): " + reason;
    }
  }

  /**
   * What the host's files give chambers.
   *
   * @param servers at most three servers chambers can reach, all from one file; empty when no file
   *     names any
   * @param skipped the servers passed over, of that file and of the files before it
   */
  record Upstream(List<InetAddress> servers, List<Skipped> skipped) {
    Upstream {
      servers = List.copyOf(servers);
      skipped = List.copyOf(skipped);
    }
  }

  /**
   * The servers of the first file of {@code sources} that names any a chamber can reach; {@code
   * hostAddresses} are the host's own addresses, which chambers may not reach.
   */
  static Upstream upstream(List<Path> sources, Set<InetAddress> hostAddresses) {
    List<Skipped> skipped = new ArrayList<>();
    for (Path source : sources) {
      List<InetAddress> found = new ArrayList<>();
      try {
        for (String line : Files.readAllLines(source)) {
          String[] words = line.strip().split("\\s+");
          if (words.length < 2 || !words[0].equals("nameserver")) {
            continue;
          }
          Optional<InetAddress> server = parse(words[1]);
          if (server.isEmpty()) {
            continue;
          }
          Optional<String> reason = unreachable(server.get(), hostAddresses);
          if (reason.isPresent()) {
            skipped.add(new Skipped(server.get(), source, reason.get()));
          } else {
            found.add(server.get());
          }
        }
      } catch (IOException e) {
        continue; // not on this host
      }
      if (!found.isEmpty()) {
        return new Upstream(found.subList(0, Math.min(MAX_SERVERS, found.size())), skipped);
      }
    }
    return new Upstream(List.of(), skipped);
  }

  /**
   * Why a chamber cannot reach name server {@code server}; empty when it can. {@code hostAddresses}
   * are the host's own addresses.
   */
  static Optional<String> unreachable(InetAddress server, Set<InetAddress> hostAddresses) {
    if (!(server instanceof Inet4Address)) {
      return Optional.of("an IPv6 address, and chambers have IPv4 only");
    }
    if (server.isLoopbackAddress()) {
      return Optional.of("a loopback address, which in a chamber is the chamber itself");
    }
    if (hostAddresses.contains(server)) {
      return Optional.of("an address of this host, which chambers may not reach");
    }
    for (String cidr : Cidrs.split(BridgeRules.UNREACHABLE)) {
      if (Cidrs.contains(cidr, server)) {
        return Optional.of("in " + cidr + ", which chambers may not reach");
      }
    }
    return Optional.empty();
  }

  /** A resolv.conf naming {@code servers}. */
  static String resolvConf(List<InetAddress> servers) {
    StringBuilder text = new StringBuilder("# written by impulse for its chambers\n");
    servers.forEach(s -> text.append("nameserver ").append(s.getHostAddress()).append('\n'));
    return text.toString();
  }

  private static Optional<InetAddress> parse(String text) {
    // Only literal addresses: a name here would itself need resolving.
    try {
      return Optional.of(InetAddress.ofLiteral(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
