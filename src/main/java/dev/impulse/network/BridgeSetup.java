package dev.impulse.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a bridge network needs of the host once, at start, and gives back at the end: a subnet no
 * other interface routes, the bridge with the gateway address (IPv4 only), forwarding enabled, the
 * chambers' shared resolv.conf and hosts, and a list of the namespaces an earlier run left.
 */
final class BridgeSetup {
  static final Path NETNS_DIR = Path.of("/run/netns");
  static final Path SYS_NET = Path.of("/sys/class/net");
  private static final Path PROC_SYS = Path.of("/proc/sys/net");
  private static final Logger log = LoggerFactory.getLogger(BridgeSetup.class);

  private final BridgeSettings settings;
  private final NetCommands commands;

  BridgeSetup(BridgeSettings settings, NetCommands commands) {
    this.settings = settings;
    this.commands = commands;
  }

  /** Refuses a subnet that another interface of the host already routes. */
  void checkSubnetIsFree() {
    String routes =
        commands.ipOutput("list the host's routes", List.of("-4", "-o", "route", "show"));
    for (String line : routes.lines().toList()) {
      String[] words = line.strip().split("\\s+");
      if (words.length < 3 || words[0].equals("default") || !words[1].equals("dev")) {
        continue;
      }
      Subnet subnet = settings.subnet();
      if (!words[2].equals(settings.bridge()) && subnet.overlaps(words[0])) {
        throw new IllegalArgumentException(
            "--chamber-subnet "
                + subnet
                + " overlaps "
                + words[0]
                + " on "
                + words[2]
                + "; choose a private subnet the host does not use");
      }
    }
  }

  void ensureBridge() {
    String bridge = settings.bridge();
    Path link = SYS_NET.resolve(bridge);
    String address =
        settings.subnet().gateway().getHostAddress() + "/" + settings.subnet().prefix();
    if (Files.exists(link) && !Files.isDirectory(link.resolve("bridge"))) {
      throw new IllegalArgumentException(
          "network interface " + bridge + " exists and is not a bridge; choose another --bridge");
    }
    if (!Files.exists(link)) {
      commands.ip("make bridge " + bridge, "link add " + bridge + " type bridge\n");
    }
    // The bridge speaks IPv4 only: no link-local IPv6 address for a chamber to reach.
    writeSysctl("ipv6/conf/" + bridge + "/disable_ipv6", "1");
    commands.ip(
        "configure bridge " + bridge,
        "addr replace " + address + " dev " + bridge + "\nlink set " + bridge + " up\n");
  }

  Map<String, Path> writeSharedFiles() {
    List<InetAddress> servers =
        settings.dns().orElseGet(() -> Resolvers.upstream(Resolvers.SOURCES));
    if (servers.isEmpty()) {
      log.warn(
          "chambers have no name server: the host names only loopback ones, which chambers cannot"
              + " reach; pass --dns");
    }
    try {
      Files.createDirectories(settings.filesDir());
      Path resolv = settings.filesDir().resolve("resolv.conf");
      Files.writeString(resolv, Resolvers.resolvConf(servers));
      Path hosts = settings.filesDir().resolve("hosts");
      Files.writeString(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n");
      Map<String, Path> shared = new LinkedHashMap<>();
      shared.put("/etc/resolv.conf", resolv);
      shared.put("/etc/hosts", hosts);
      return Map.copyOf(shared);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the chambers' resolv.conf in " + settings.filesDir(), e);
    }
  }

  /** The namespaces and veths of this bridge that no held port accounts for. */
  Set<String> strays(Set<Integer> held) {
    Set<String> strays = new java.util.TreeSet<>();
    for (Path dir : List.of(NETNS_DIR, SYS_NET)) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> entries = Files.list(dir)) {
        entries
            .map(p -> p.getFileName().toString())
            .filter(n -> n.matches(java.util.regex.Pattern.quote(settings.bridge()) + "-\\d{1,5}"))
            .filter(n -> !held.contains(Integer.parseInt(n.substring(n.lastIndexOf('-') + 1))))
            .forEach(strays::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir, e);
      }
    }
    return strays;
  }

  static void writeSysctl(String key, String value) {
    try {
      Files.writeString(PROC_SYS.resolve(key), value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set net." + key.replace('/', '.') + "=" + value, e);
    }
  }

  /** Removes the bridge, its rules and the shared files: no chamber holds a network any more. */
  void remove(Map<String, Path> files) {
    try {
      commands.nft(
          "remove the rules of bridge " + settings.bridge(),
          BridgeRules.removal(settings.bridge()));
      if (Files.exists(SYS_NET.resolve(settings.bridge()))) {
        commands.ip("remove bridge " + settings.bridge(), "link del " + settings.bridge() + "\n");
      }
      for (Path file : files.values()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(settings.filesDir());
    } catch (RuntimeException | IOException e) {
      log.warn("bridge {}: could not remove it: {}", settings.bridge(), e.getMessage());
    }
  }
}
