package dev.impulse.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a bridge network needs of the host once, at start, and gives back at the end: a subnet no
 * route of the host uses, the bridge (its own, marked with the alias {@value #ALIAS}) with the
 * gateway address (IPv4 only), forwarding enabled, the chambers' shared resolv.conf and hosts, and
 * a list of the namespaces an earlier run left.
 */
final class BridgeSetup {
  static final Path NETNS_DIR = Path.of("/run/netns");
  static final Path SYS_NET = Path.of("/sys/class/net");
  private static final Path PROC_SYS = Path.of("/proc/sys/net");
  private static final Logger log = LoggerFactory.getLogger(BridgeSetup.class);

  /** The alias ({@code /sys/class/net/BRIDGE/ifalias}) of a bridge impulse made. */
  static final String ALIAS = "impulse";

  /** The route types {@code ip route} names before a route's destination. */
  private static final Set<String> ROUTE_TYPES =
      Set.of(
          "unicast",
          "local",
          "broadcast",
          "multicast",
          "anycast",
          "nat",
          "unreachable",
          "blackhole",
          "prohibit",
          "throw");

  /** The route types that lead to no interface. */
  private static final Set<String> NOWHERE =
      Set.of("unreachable", "blackhole", "prohibit", "throw");

  private final BridgeSettings settings;
  private final NetCommands commands;

  BridgeSetup(BridgeSettings settings, NetCommands commands) {
    this.settings = settings;
    this.commands = commands;
  }

  /** Refuses a subnet that a route of the host, in any table, already sends somewhere. */
  void checkSubnetIsFree() {
    Subnet subnet = settings.subnet();
    String routes =
        commands.ipOutput(
            "list the host's routes", List.of("-4", "-o", "route", "show", "table", "all"));
    overlappingRoute(routes, subnet, settings.bridge())
        .ifPresent(route -> {
          throw new IllegalArgumentException(
              "--chamber-subnet "
                  + subnet
                  + " overlaps the host's route '"
                  + route
                  + "'; choose a private subnet the host does not use");
        });
  }

  /**
   * The first route of {@code routes}, the output of {@code ip -4 -o route show table all}, that
   * overlaps {@code subnet} and is not {@code bridge}'s own. Not counted: default routes and the
   * halves of one a VPN adds ({@code 0.0.0.0/1}, {@code 128.0.0.0/1}), which the bridge's longer
   * prefix overrides as it does any default; and routes that lead to no interface ({@code
   * blackhole}, {@code unreachable}, {@code prohibit}, {@code throw}), often put over all private
   * networks so that none leaks out, which the bridge's longer prefix overrides as well.
   */
  static Optional<String> overlappingRoute(String routes, Subnet subnet, String bridge) {
    for (String line : routes.lines().map(String::strip).toList()) {
      String[] words = line.split("\\s+");
      int at = ROUTE_TYPES.contains(words[0]) ? 1 : 0; // ip names any type but unicast
      if (at >= words.length
          || NOWHERE.contains(words[0])
          || words[at].equals("default")
          || words[at].matches(".*/[01]")) {
        continue;
      }
      if (!bridge.equals(wordAfter(words, "dev")) && subnet.overlaps(words[at])) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }

  /**
   * The host's IPv4 addresses in {@code addresses}, the output of {@code ip -4 -o addr show}: lines
   * such as {@code 2: eth0 inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\ ...}.
   */
  static Set<InetAddress> hostAddresses(String addresses) {
    Set<InetAddress> found = new LinkedHashSet<>();
    for (String line : addresses.lines().toList()) {
      String local = wordAfter(line.strip().split("\\s+"), "inet");
      if (local != null) {
        try {
          found.add(InetAddress.ofLiteral(local.replaceFirst("/.*", "")));
        } catch (IllegalArgumentException e) {
          // not an address: a line of another format
        }
      }
    }
    return found;
  }

  private static String wordAfter(String[] words, String word) {
    for (int i = 0; i + 1 < words.length; i++) {
      if (words[i].equals(word)) {
        return words[i + 1];
      }
    }
    return null;
  }

  /** Makes the bridge, or takes the one an earlier run made, and gives it the gateway's address. */
  void ensureBridge() {
    String bridge = settings.bridge();
    String address =
        settings.subnet().gateway().getHostAddress() + "/" + settings.subnet().prefix();
    if (!existingBridge(SYS_NET, bridge)) {
      commands.ip(
          "make bridge " + bridge,
          "link add " + bridge + " type bridge\nlink set " + bridge + " alias " + ALIAS + "\n");
    }
    // The bridge speaks IPv4 only: no link-local IPv6 address for a chamber to reach.
    writeSysctl("ipv6/conf/" + bridge + "/disable_ipv6", "1");
    // A fixed hardware address (a bridge takes its lowest port's otherwise, changing as chambers
    // come and go): each chamber's namespace holds it as the gateway's permanent neighbour.
    commands.ip(
        "configure bridge " + bridge,
        "link set "
            + bridge
            + " address "
            + Subnet.hardwareAddress(settings.subnet().gateway())
            + "\naddr replace "
            + address
            + " dev "
            + bridge
            + "\nlink set "
            + bridge
            + " up\n");
  }

  /**
   * True when impulse's bridge {@code bridge} exists in {@code sysNet} ({@code /sys/class/net});
   * refuses an interface of that name impulse did not make, whose other ports could reach chambers.
   */
  static boolean existingBridge(Path sysNet, String bridge) {
    Path link = sysNet.resolve(bridge);
    if (!Files.exists(link)) {
      return false;
    }
    if (!Files.isDirectory(link.resolve("bridge"))) {
      throw new IllegalArgumentException(
          "network interface " + bridge + " exists and is not a bridge; choose another --bridge");
    }
    String alias;
    try {
      alias = Files.readString(link.resolve("ifalias")).strip();
    } catch (IOException e) {
      alias = "";
    }
    if (!alias.equals(ALIAS)) {
      throw new IllegalArgumentException(
          "bridge "
              + bridge
              + " exists and impulse did not make it (its alias is '"
              + alias
              + "', not '"
              + ALIAS
              + "'): its other ports could reach chambers; choose another --bridge, or delete it"
              + " (ip link del "
              + bridge
              + ") if nothing else uses it");
    }
    return true;
  }

  /**
   * Writes the chambers' resolv.conf and hosts. Warns of name servers chambers cannot reach: those
   * of the host's it skips, and those of {@code --dns} it keeps.
   */
  Map<String, Path> writeSharedFiles() {
    Set<InetAddress> local =
        hostAddresses(
            commands.ipOutput("list the host's addresses", List.of("-4", "-o", "addr", "show")));
    List<InetAddress> servers =
        settings.dns().map(given -> checkGiven(given, local)).orElseGet(() -> upstream(local));
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

  private static List<InetAddress> checkGiven(List<InetAddress> given, Set<InetAddress> local) {
    for (InetAddress server : given) {
      Resolvers.unreachable(server, local)
          .ifPresent(why ->
              log.warn(
                  "--dns {}: chambers cannot reach it ({}); their lookups through it will time"
                      + " out. Name a server outside the host and outside {}",
                  server.getHostAddress(),
                  why,
                  BridgeRules.UNREACHABLE));
    }
    return given;
  }

  private static List<InetAddress> upstream(Set<InetAddress> local) {
    Resolvers.Upstream upstream = Resolvers.upstream(Resolvers.SOURCES, local);
    List<InetAddress> servers = upstream.servers();
    List<Resolvers.Skipped> skipped = upstream.skipped();
    if (servers.isEmpty()) {
      log.warn(
          "chambers have no name server: {}. Pass --dns with servers outside the host and outside"
              + " {} (or --dns none to silence this)",
          skipped.isEmpty()
              ? "the host names none in " + Resolvers.SOURCES
              : "they cannot reach any of the host's: " + skipped,
          BridgeRules.UNREACHABLE);
    } else if (skipped.stream().anyMatch(s -> !s.server().isLoopbackAddress())) {
      log.warn(
          "chambers use {} of the host's name servers; skipped, as chambers cannot reach them: {}."
              + " Pass --dns to choose others",
          servers.stream().map(InetAddress::getHostAddress).toList(),
          skipped);
    } else if (!skipped.isEmpty()) {
      // The usual case: a resolver on loopback in front of upstream servers.
      log.info(
          "chambers use the host's upstream name servers {}, not its own resolver {}",
          servers.stream().map(InetAddress::getHostAddress).toList(),
          skipped);
    }
    return servers;
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
