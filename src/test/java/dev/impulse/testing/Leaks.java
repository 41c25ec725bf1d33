package dev.impulse.testing;

import dev.impulse.linux.Mounts;
import dev.impulse.network.HostPorts;
import dev.impulse.network.PortRange;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Looks for anything a daemon's chambers could leave behind on the machine: runc containers,
 * mounts, processes (conmon, zombies), held ports, cgroups, files.
 */
public final class Leaks {
  private final Path dataDir;
  private final Path runDir;
  private final PortRange ports;
  private final String cgroupParent;
  private final String bridge;

  /** The most namespaces a running daemon keeps ready with no chamber (its --network-pool). */
  static final int POOL = 4;

  public Leaks(Path dataDir, Path runDir, PortRange ports, String cgroupParent, String bridge) {
    this.dataDir = dataDir;
    this.runDir = runDir;
    this.ports = ports;
    this.cgroupParent = cgroupParent;
    this.bridge = bridge;
  }

  /** Everything left behind now; empty when the machine is clean. */
  public List<String> find() {
    return find(java.util.Set.of());
  }

  /** Everything left behind now but the processes {@code allowed} (a daemon still running). */
  public List<String> find(java.util.Set<Long> allowed) {
    List<String> found = new ArrayList<>();
    containers().forEach(id -> found.add("runc container " + id));
    for (Path mount : Mounts.mountPoints()) {
      // The data directory itself may be a test's own file system (a small tmpfs).
      if ((mount.startsWith(dataDir) && !mount.equals(dataDir)) || mount.startsWith(runDir)) {
        found.add("mount " + mount);
      }
    }
    processes(allowed).forEach(p -> found.add("process " + p));
    HostPorts host = new HostPorts(InetAddress.getLoopbackAddress());
    for (int port = ports.first(); port <= ports.last(); port++) {
      if (!host.isFree(port)) {
        found.add("port " + port + " is bound");
      }
    }
    cgroups().forEach(c -> found.add("cgroup " + c));
    found.addAll(network(true)); // the daemon still runs: its pool may be there
    for (Path dir :
        List.of(
            dataDir.resolve("chambers"),
            dataDir.resolve("tmp"),
            runDir.resolve("exits"),
            runDir.resolve("sockets"))) {
      entries(dir).forEach(e -> found.add("file " + e));
    }
    return found;
  }

  private List<String> containers() {
    Path root = runDir.resolve("runc");
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try {
      Process list = new ProcessBuilder("runc", "--root", root.toString(), "list", "-q").start();
      String out = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      list.waitFor();
      return out.lines().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      return List.of("(runc list failed: " + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /** Processes whose command line names the run or data directory, and zombies of any kind. */
  private List<String> processes(java.util.Set<Long> allowed) {
    List<String> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String pid = proc.getFileName().toString();
        if (!pid.chars().allMatch(Character::isDigit)
            || pid.equals(Long.toString(ProcessHandle.current().pid()))
            || allowed.contains(Long.parseLong(pid))) {
          continue;
        }
        try {
          String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
          String stat = Files.readString(proc.resolve("stat"));
          boolean zombie = stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
          long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 4).split(" ")[0]);
          if (cmdline.contains(runDir.toString()) || cmdline.contains(dataDir.toString())) {
            found.add(pid + " " + cmdline.strip());
          } else if (zombie && ppid == ProcessHandle.current().pid()) {
            found.add(pid + " (zombie child of the test JVM)");
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended while we looked
        }
      }
    } catch (IOException e) {
      found.add("(cannot list /proc: " + e.getMessage() + ")");
    }
    return found;
  }

  private List<String> cgroups() {
    List<String> found = new ArrayList<>();
    for (Path hierarchy : cgroupHierarchies()) {
      entries(hierarchy.resolve(cgroupParent)).stream()
          .filter(Files::isDirectory)
          .forEach(p -> found.add(p.toString()));
    }
    return found;
  }

  /**
   * The daemon's network namespaces, veths, bridge and nftables tables that should not exist: with
   * the daemon stopped, all of them; while it runs with no chamber, namespaces beyond its pool, and
   * forwarding for a port without a namespace (or the reverse).
   */
  public List<String> network(boolean daemonRunning) {
    List<String> found = new ArrayList<>();
    java.util.regex.Pattern own = java.util.regex.Pattern.compile(bridge + "-\\d+");
    List<String> namespaces = names(Path.of("/run/netns"), own);
    List<String> veths = names(Path.of("/sys/class/net"), own);
    List<String> forwarded = forwardedPorts();
    if (!daemonRunning) {
      namespaces.forEach(n -> found.add("network namespace " + n));
      veths.forEach(v -> found.add("veth " + v));
      if (Files.exists(Path.of("/sys/class/net", bridge))) {
        found.add("bridge " + bridge);
      }
      if (nft("list", "tables").contains("impulse_" + bridge)) {
        found.add("nftables tables impulse_" + bridge);
      }
      return found;
    }
    if (namespaces.size() > POOL) {
      found.add("network namespaces beyond the pool: " + namespaces);
    }
    if (!new java.util.TreeSet<>(namespaces).equals(new java.util.TreeSet<>(veths))) {
      found.add("namespaces " + namespaces + " and veths " + veths + " differ");
    }
    List<String> expected = namespaces.stream().map(n -> n.substring(bridge.length() + 1)).toList();
    if (!new java.util.TreeSet<>(forwarded).equals(new java.util.TreeSet<>(expected))) {
      found.add("forwarded ports " + forwarded + " but namespaces " + namespaces);
    }
    List<String> neighbours =
        Files.exists(Path.of("/sys/class/net", bridge)) ? permanentNeighbours() : List.of();
    if (neighbours.size() != namespaces.size()) {
      found.add(
          "permanent neighbour entries on "
              + bridge
              + " "
              + neighbours
              + " but namespaces "
              + namespaces);
    }
    return found;
  }

  /** The addresses of the permanent neighbour entries on the bridge (one per namespace). */
  private List<String> permanentNeighbours() {
    try {
      Process p =
          new ProcessBuilder("ip", "-4", "neigh", "show", "dev", bridge, "nud", "permanent")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out.lines().filter(l -> !l.isBlank()).map(l -> l.split(" ")[0]).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The host ports the daemon's nftables map forwards. */
  private List<String> forwardedPorts() {
    String map = nft("list", "map", "inet", "impulse_" + bridge, "ports");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+) : [0-9.]+ \\. \\d+").matcher(map);
    List<String> ports = new ArrayList<>();
    while (m.find()) {
      ports.add(m.group(1));
    }
    return ports;
  }

  private static String nft(String... args) {
    List<String> command = new ArrayList<>(List.of("nft"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    } catch (IOException e) {
      return "(nft failed: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static List<String> names(Path dir, java.util.regex.Pattern pattern) {
    return entries(dir).stream()
        .map(p -> p.getFileName().toString())
        .filter(n -> pattern.matcher(n).matches())
        .sorted()
        .toList();
  }

  /** Removes the (empty) parent cgroups the daemon made. */
  public void removeCgroupParents() {
    for (Path hierarchy : cgroupHierarchies()) {
      try {
        Files.deleteIfExists(hierarchy.resolve(cgroupParent));
      } catch (IOException e) {
        // not empty: reported by find()
      }
    }
  }

  private static List<Path> cgroupHierarchies() {
    try (Stream<Path> dirs = Files.list(Path.of("/sys/fs/cgroup"))) {
      return dirs.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static List<Path> entries(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
