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

  public Leaks(Path dataDir, Path runDir, PortRange ports, String cgroupParent) {
    this.dataDir = dataDir;
    this.runDir = runDir;
    this.ports = ports;
    this.cgroupParent = cgroupParent;
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
