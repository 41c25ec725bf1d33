package dev.impulse.runtime;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Each chamber's cgroup, owned by the daemon, with two children: {@code ctr}, the container's,
 * which runc manages, and {@code conmon}, its monitor's. The chamber's limits (memory, CPU,
 * processes) are set on the chamber's cgroup, so they bound the container and its conmon together:
 * a function printing in a loop pays for its own logging with its own CPU and memory, as CRI-O's
 * {@code conmon_cgroup = "pod"} does. runc never sees conmon (it only manages {@code ctr}), so runc
 * deleting the container can never kill or wait for the monitor.
 *
 * <p>Works on cgroup v1 (memory, cpu, cpuacct and pids hierarchies; the others hold only runc's
 * {@code ctr}) and on the unified v2 hierarchy. Thread-safe (it keeps no state).
 */
public final class ChamberCgroups {
  /** The container's cgroup, below the chamber's. */
  public static final String CONTAINER = "ctr";

  /** The monitor's cgroup, below the chamber's. */
  public static final String MONITOR = "conmon";

  /** How long {@link #remove} retries a cgroup the kernel still counts an exiting task in. */
  private static final Duration REMOVE_WAIT = Duration.ofSeconds(2);

  static final List<String> CHARGED_V1 = List.of("memory", "cpu", "cpuacct", "pids");

  private final Path root;

  /** Cgroups under {@code root} (normally {@code /sys/fs/cgroup}). */
  public ChamberCgroups(Path root) {
    this.root = root;
  }

  /** The container's cgroup path for runc, below the chamber's {@code path}. */
  public static String containerPath(String path) {
    return path + "/" + CONTAINER;
  }

  private boolean unified() {
    return Files.exists(root.resolve("cgroup.controllers"));
  }

  /**
   * Makes the chamber's cgroup {@code path} (such as {@code /impulse/app-1-abcde}) with {@code
   * limits} and an empty monitor cgroup below it. Throws {@link IOException} naming the file that
   * could not be written.
   */
  public void create(String path, ResourceLimits limits) throws IOException {
    if (unified()) {
      Path chamber = root.resolve(relative(path));
      Files.createDirectories(chamber);
      enableControllers(chamber);
      writeLimits(chamber, null, limits);
      Files.createDirectories(chamber.resolve(MONITOR));
      return;
    }
    for (String controller : CHARGED_V1) {
      Path chamber = root.resolve(controller).resolve(relative(path));
      if (!Files.isDirectory(root.resolve(controller))) {
        continue;
      }
      Files.createDirectories(chamber.resolve(MONITOR));
      writeLimits(chamber, controller, limits);
    }
  }

  /**
   * Sets new limits on the running chamber {@code path}: on its cgroup and on its container's,
   * which runc limited at create. Throws naming the file when the kernel refuses (such as memory
   * below what the chamber uses now).
   */
  public void update(String path, ResourceLimits limits) throws IOException {
    if (unified()) {
      Path chamber = root.resolve(relative(path));
      writeLimits(chamber.resolve(CONTAINER), null, limits);
      writeLimits(chamber, null, limits);
      return;
    }
    for (String controller : CHARGED_V1) {
      Path chamber = root.resolve(controller).resolve(relative(path));
      if (Files.isDirectory(chamber)) {
        // v1 refuses a child's CPU quota above its parent's (EINVAL): a raised quota goes to the
        // chamber's cgroup first, a lowered one to the container's first.
        if (controller.equals("cpu") && raisesQuota(chamber, limits)) {
          writeLimits(chamber, controller, limits);
          writeLimits(chamber.resolve(CONTAINER), controller, limits);
        } else {
          writeLimits(chamber.resolve(CONTAINER), controller, limits);
          writeLimits(chamber, controller, limits);
        }
      }
    }
  }

  /** Whether {@code limits} ask for more CPU than the v1 cgroup {@code dir} allows now. */
  private static boolean raisesQuota(Path dir, ResourceLimits limits) throws IOException {
    long now = Long.parseLong(Files.readString(dir.resolve("cpu.cfs_quota_us")).trim());
    long wanted = limits.cpuQuotaMicros();
    return now != -1 && (wanted == -1 || wanted > now);
  }

  /** Writes {@code limits} into cgroup {@code dir}: v2 with a null controller, else v1's files. */
  private static void writeLimits(Path dir, String v1Controller, ResourceLimits limits)
      throws IOException {
    if (v1Controller == null) {
      write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
      write(dir.resolve("pids.max"), Long.toString(limits.pids()));
      write(
          dir.resolve("cpu.max"),
          limits.cpus().isPresent()
              ? limits.cpuQuotaMicros() + " " + ResourceLimits.CPU_PERIOD_MICROS
              : "max " + ResourceLimits.CPU_PERIOD_MICROS);
      return;
    }
    switch (v1Controller) {
      case "memory" ->
          write(dir.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
      case "pids" -> write(dir.resolve("pids.max"), Long.toString(limits.pids()));
      case "cpu" -> {
        write(dir.resolve("cpu.cfs_period_us"), Long.toString(ResourceLimits.CPU_PERIOD_MICROS));
        write(dir.resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuQuotaMicros()));
      }
      default -> {
        // accounting only
      }
    }
  }

  /** How many times the kernel's OOM killer acted in the chamber's memory cgroup (0 if unknown). */
  public long oomKills(String path) {
    if (unified()) {
      return oomKills(root.resolve(relative(path)).resolve("memory.events")); // hierarchical
    }
    // cgroup v1 counts a kill only in the cgroup whose limit was hit: the chamber's, its
    // container's or its monitor's, whichever ran out first.
    Path chamber = root.resolve("memory").resolve(relative(path));
    long kills = oomKills(chamber.resolve("memory.oom_control"));
    try (var children = Files.list(chamber)) {
      for (Path child : children.filter(Files::isDirectory).toList()) {
        kills += oomKills(child.resolve("memory.oom_control"));
      }
    } catch (IOException e) {
      // gone with the chamber: what was counted stands
    }
    return kills;
  }

  private static long oomKills(Path file) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring("oom_kill ".length()).strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** Moves process {@code pid} (the chamber's conmon) into the monitor cgroup of {@code path}. */
  public void adoptMonitor(String path, int pid) throws IOException {
    if (unified()) {
      write(root.resolve(relative(path)).resolve(MONITOR).resolve("cgroup.procs"), pid + "");
      return;
    }
    for (String controller : CHARGED_V1) {
      Path monitor = root.resolve(controller).resolve(relative(path)).resolve(MONITOR);
      if (Files.isDirectory(monitor)) {
        write(monitor.resolve("cgroup.procs"), Integer.toString(pid));
      }
    }
  }

  /**
   * Removes the chamber's cgroup {@code path} and what is left below it in every hierarchy (runc
   * leaves the chamber's directory in the hierarchies it made it in). Missing ones are fine; a
   * cgroup that still holds a process is not removed and is named in the exception.
   */
  public void remove(String path) throws IOException {
    // A monitor that has just left may still be in its cgroup: the kernel takes a task out only
    // late in its exit, after /proc no longer shows its command line. Like runc, try again for a
    // short while before calling the cgroup busy.
    long deadline = System.nanoTime() + REMOVE_WAIT.toNanos();
    long pause = 1;
    List<String> busy = tryRemove(path);
    while (!busy.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      pause = Math.min(pause * 2, 50);
      busy = tryRemove(path);
    }
    if (!busy.isEmpty()) {
      throw new IOException("cgroups still in use: " + String.join(", ", busy));
    }
  }

  private List<String> tryRemove(String path) throws IOException {
    List<String> busy = new ArrayList<>();
    for (Path hierarchy : hierarchies()) {
      Path chamber = hierarchy.resolve(relative(path));
      for (Path dir : List.of(chamber.resolve(MONITOR), chamber.resolve(CONTAINER), chamber)) {
        try {
          Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
          // a child still exists (reported below) or it went meanwhile
        } catch (IOException e) {
          busy.add(dir + " (" + e.getMessage() + ")");
        }
      }
      if (Files.isDirectory(chamber)) {
        busy.add(chamber.toString());
      }
    }
    return busy;
  }

  private List<Path> hierarchies() throws IOException {
    if (unified()) {
      return List.of(root);
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).toList();
    }
  }

  /** v2: controllers must be enabled in every ancestor's subtree_control to be set below it. */
  private void enableControllers(Path chamber) throws IOException {
    List<Path> ancestors = new ArrayList<>();
    for (Path p = chamber.getParent(); p != null && p.startsWith(root); p = p.getParent()) {
      ancestors.addFirst(p);
    }
    for (Path dir : ancestors) {
      write(dir.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
    }
  }

  private static String relative(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }

  private static void write(Path file, String value) throws IOException {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new IOException("cannot write '" + value + "' to " + file + ": " + e.getMessage(), e);
    }
  }
}
