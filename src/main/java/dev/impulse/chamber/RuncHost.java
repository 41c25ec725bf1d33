package dev.impulse.chamber;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.image.Baseimage;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Overlay;
import dev.impulse.image.StoredFunction;
import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Mounts;
import dev.impulse.linux.Processes;
import dev.impulse.linux.Reaper;
import dev.impulse.runtime.CgroupStats;
import dev.impulse.runtime.ChamberCgroups;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ContainerFiles;
import dev.impulse.runtime.ExecFifo;
import dev.impulse.runtime.ExitFiles;
import dev.impulse.runtime.ExitWatcher;
import dev.impulse.runtime.OciSpec;
import dev.impulse.runtime.OciSpecs;
import dev.impulse.runtime.ResourceLimits;
import dev.impulse.runtime.Runc;
import dev.impulse.runtime.SeccompProfile;
import dev.impulse.store.Store;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link ChamberHost} of a real machine: runc, conmon, overlay mounts, cgroups. */
final class RuncHost implements ChamberHost {
  private static final Logger log = LoggerFactory.getLogger(RuncHost.class);
  static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
  static final String BOOT_ID_KEY = "boot_id";

  /** The size of a chamber's termination-log file system: 4 pages; what is read of it is less. */
  static final long TERM_FS_BYTES = 16 * 1024;

  private final Runc runc;
  private final ExecFifo starter;
  private final Conmon conmon;
  private final ChamberCgroups cgroups;
  private final ExitFiles exits;
  private final Reaper reaper;
  private final Store store;
  private final ContainerConfigs configs;
  private final ObjectMapper json;
  private final Path chambersDir;
  private final OciSpec.Seccomp seccomp;
  private final HostLeftovers leftovers;

  /**
   * @throws IOException when the seccomp profile cannot be read (its message names the package)
   */
  RuncHost(
      Runc runc,
      Conmon conmon,
      ChamberCgroups cgroups,
      ExitFiles exits,
      Reaper reaper,
      Store store,
      ContainerConfigs configs,
      ObjectMapper json,
      Path chambersDir)
      throws IOException {
    this.runc = runc;
    this.starter = new ExecFifo(runc);
    this.conmon = conmon;
    this.cgroups = cgroups;
    this.exits = exits;
    this.reaper = reaper;
    this.store = store;
    this.configs = configs;
    this.json = json;
    this.chambersDir = chambersDir;
    this.seccomp = SeccompProfile.forChamber();
    this.leftovers = new HostLeftovers(runc, conmon, exits, chambersDir, this);
  }

  private ChamberPaths paths(String id) {
    return ChamberPaths.of(chambersDir, id);
  }

  // ---- a start ----

  @Override
  public void prepare(Chamber chamber) throws IOException {
    ChamberPaths paths = paths(chamber.container());
    for (Path dir : paths.scratch()) {
      Files.createDirectories(dir);
    }
    if (!Mounts.isMountPoint(paths.term())) {
      Mounts.mountSmallTmpfs(paths.term(), TERM_FS_BYTES);
    }
    Files.deleteIfExists(paths.terminationLog());
    Files.createFile(paths.terminationLog());
    int uid = ContainerConfigs.uid(chamber);
    Files.setAttribute(paths.terminationLog(), "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(paths.terminationLog(), "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    // A restart starts from a clean slate: no exit code or OOM mark of the previous run.
    ContainerFiles files = paths.container();
    Files.deleteIfExists(files.exit());
    Files.deleteIfExists(files.oom());
    Files.deleteIfExists(files.containerPid());
    Files.deleteIfExists(files.runcLog());
    // Nor its config.json and conmon's pid: the new conmon is spawned before config.json is
    // written again, and must never find the last run's.
    Files.deleteIfExists(files.config());
    Files.deleteIfExists(files.conmonPid());
  }

  @Override
  public void createCgroup(String id, ResourceLimits limits) throws IOException {
    cgroups.create(configs.cgroup(id), limits);
  }

  @Override
  public Monitor spawnMonitor(String id) throws IOException {
    Conmon.Pending pending = conmon.spawn(id, paths(id).container());
    return new Monitor() {
      @Override
      public void adopt() throws IOException {
        pending.requireRunning(); // so the pid written below is still conmon's
        cgroups.adoptMonitor(configs.cgroup(id), pending.pid());
      }

      @Override
      public int create() {
        return pending.create().conmonPid();
      }

      @Override
      public void close() {
        pending.close();
      }
    };
  }

  @Override
  public void mountRootfs(String id, Optional<StoredFunction> function, Baseimage base) {
    ChamberPaths paths = paths(id);
    List<Path> layers = new ArrayList<>();
    function.ifPresent(f -> layers.add(f.layer()));
    layers.addAll(base.layers());
    new Overlay(layers, paths.upper(), paths.work(), paths.rootfs()).mount();
  }

  @Override
  public void writeConfig(Chamber chamber, Baseimage base, boolean cell) throws IOException {
    ChamberPaths paths = paths(chamber.container());
    json.writeValue(
        paths.container().config().toFile(),
        OciSpecs.toOciSpec(configs.containerConfig(chamber, base, paths, cell), seccomp));
  }

  @Override
  public void start(String id) {
    starter.start(id, paths(id).container().containerPid());
  }

  // ---- a stem cell ----

  /** The size of a cell's empty guest mount point, which nothing writes to. */
  static final long GUEST_POINT_BYTES = 4096;

  @Override
  public void prepareCell(String id) throws IOException {
    ChamberPaths paths = paths(id);
    Files.createDirectories(paths.guest());
    if (!Mounts.isMountPoint(paths.guest())) {
      Mounts.mountSharedTmpfs(paths.guest(), GUEST_POINT_BYTES);
    }
  }

  @Override
  public Path controlSocket(String id) {
    return paths(id).control();
  }

  @Override
  public void deliver(String id, StoredFunction function) {
    ChamberPaths paths = paths(id);
    Mounts.bindReadOnly(
        function.layer().resolve(FunctionStore.GUEST_DIR.substring(1)), paths.guest());
  }

  @Override
  public void updateLimits(String id, ResourceLimits limits) throws IOException {
    cgroups.update(configs.cgroup(id), limits);
  }

  // ---- while it runs ----

  @Override
  public boolean kill(String id, String signal) {
    return runc.kill(id, signal);
  }

  @Override
  public OptionalInt exitCode(String id) {
    return exits.exitCode(id);
  }

  /**
   * conmon's OOM mark, or the kernel's own count of OOM kills in the chamber's memory cgroup: the
   * container and its conmon share that limit, and when the kernel's choice falls on conmon too no
   * mark is written, but the count still tells what happened.
   */
  @Override
  public boolean oomKilled(String id) {
    return Files.exists(paths(id).container().oom()) || cgroups.oomKills(configs.cgroup(id)) > 0;
  }

  /**
   * The file lives on the chamber's own 16 KiB tmpfs, so it can be no larger, but it is read with a
   * bound all the same: a daemon must never load what a tenant wrote whole.
   */
  @Override
  public Optional<String> terminationMessage(String id) {
    Path file = paths(id).terminationLog();
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = channel.size();
      ByteBuffer buffer = ByteBuffer.allocate(Reasons.MESSAGE_BYTES);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read up to the bound
      }
      String text = Reasons.fromBytes(buffer.array(), buffer.position(), size);
      return text.isBlank() ? Optional.empty() : Optional.of(text.strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public int monitorPid(String id) {
    return Conmon.readPid(paths(id).container().conmonPid()).orElse(0);
  }

  @Override
  public boolean monitors(int pid, String id) {
    return Conmon.monitors(pid, id);
  }

  @Override
  public Optional<ChamberStats> stats(String id) {
    return CgroupStats.read(configs.cgroup(id))
        .map(s ->
            new ChamberStats(
                s.memoryBytes(),
                s.memoryPeakBytes(),
                s.memoryLimitBytes(),
                s.cpuNanos(),
                s.pids(),
                s.pidsLimit()));
  }

  // ---- a tear-down ----

  @Override
  public void deleteContainer(String id) {
    runc.delete(id, true);
  }

  @Override
  public void removeCgroups(String id) throws IOException {
    cgroups.remove(configs.cgroup(id));
  }

  @Override
  public void unmount(String id) throws IOException {
    ChamberPaths paths = paths(id);
    for (Path mount : List.of(paths.rootfs(), paths.term(), paths.guest())) {
      unmountAll(mount);
      if (Mounts.isMountPoint(mount)) {
        throw new IOException(mount + " is still mounted");
      }
    }
  }

  /** A cell's guest point holds the function's bind over its own tmpfs: both go. */
  private static void unmountAll(Path mount) {
    for (int i = 0; i < 4 && Mounts.unmount(mount); i++) {
      // the next one down
    }
  }

  @Override
  public void removeScratch(String id) throws IOException {
    ChamberPaths paths = paths(id);
    for (Path dir : paths.scratch()) {
      FileTrees.deleteRecursively(dir);
    }
    for (Path cellFile : List.of(paths.guest(), paths.control())) {
      Files.deleteIfExists(cellFile);
    }
    Files.deleteIfExists(conmon.attachLink(id));
  }

  @Override
  public void forgetExit(String id) {
    exits.forget(id);
  }

  @Override
  public void deleteFiles(String id) throws IOException {
    FileTrees.deleteRecursively(paths(id).dir());
  }

  // ---- recovery ----

  @Override
  public void checkRunDir() {
    new RunDirCheck(store, runc, exits.dir()).check();
  }

  @Override
  public boolean rebootedSinceLastStart() {
    String boot;
    try {
      boot = String.join("", Files.readAllLines(BOOT_ID)).strip(); // not readString: /proc/sys
    } catch (IOException e) {
      return false;
    }
    Optional<String> last = store.meta(BOOT_ID_KEY);
    store.putMeta(BOOT_ID_KEY, boot);
    return last.isPresent() && !last.get().equals(boot);
  }

  @Override
  public List<HostContainer> containers() {
    return runc.list().stream()
        .map(c -> new HostContainer(c.id(), c.status().equals("running"), c.annotations()))
        .toList();
  }

  /**
   * A conmon started for this root that runc does not list is a start the daemon's stop cut short
   * (held for its start byte; the end of its start pipe lets it go on, to a runc create that failed
   * or has yet to finish): it is stopped. One started for another root monitors a container this
   * daemon cannot see.
   */
  @Override
  public StrayMonitor strayMonitor(String id) {
    int pid = monitorPid(id);
    if (pid <= 0 || !Conmon.monitors(pid, id)) {
      return StrayMonitor.NONE;
    }
    Path root = runc.root().toAbsolutePath().normalize();
    if (Conmon.runtimeRootOf(pid).map(r -> r.normalize().equals(root)).orElse(false)) {
      log.info("chamber {}: its conmon (pid {}) was left waiting by an interrupted start", id, pid);
      Processes.signal(pid, 9);
      return StrayMonitor.STOPPED;
    }
    return StrayMonitor.ELSEWHERE;
  }

  @Override
  public OptionalInt recordedExitCode(String id) {
    return ExitFiles.read(paths(id).container().exit());
  }

  @Override
  public void removeUnknown(String id) {
    leftovers.removeUnknown(id);
  }

  @Override
  public void removeStrays(Collection<String> known) {
    leftovers.removeStrays(known);
  }

  @Override
  public void reapOrphans() {
    reaper.sweep();
  }

  @Override
  public AutoCloseable watchExits(Consumer<String> listener) throws IOException {
    ExitWatcher watcher = new ExitWatcher(exits, (id, code) -> listener.accept(id));
    return watcher::close;
  }
}
