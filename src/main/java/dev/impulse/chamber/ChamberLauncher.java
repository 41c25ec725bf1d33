package dev.impulse.chamber;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.image.Baseimage;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Overlay;
import dev.impulse.image.StoredFunction;
import dev.impulse.linux.Mounts;
import dev.impulse.runtime.ChamberCgroups;
import dev.impulse.runtime.Conmon;
import dev.impulse.runtime.ContainerConfig;
import dev.impulse.runtime.ContainerConfig.BindMount;
import dev.impulse.runtime.ContainerFiles;
import dev.impulse.runtime.OciSpecs;
import dev.impulse.runtime.ResourceLimits;
import dev.impulse.runtime.Runc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a chamber's container, step by step: directories, overlay root file system, config.json,
 * {@code runc create} under conmon, {@code runc start}. Each step leaves a trace in the chamber's
 * {@link ChamberHandle} so {@link ChamberTeardown} undoes exactly what was done.
 */
final class ChamberLauncher {
  /** Labels on every container; {@code runc state} reports them back. */
  static final String LABEL_PREFIX = "dev.impulse.";

  private final Runc runc;
  private final Conmon conmon;
  private final Path chambersDir;
  private final ChamberSettings settings;
  private final ObjectMapper json;

  private final SpecJson specs;
  private final ChamberCgroups cgroups;

  ChamberLauncher(
      Runc runc,
      Conmon conmon,
      ChamberCgroups cgroups,
      Path chambersDir,
      ChamberSettings settings,
      ObjectMapper json,
      SpecJson specs) {
    this.runc = runc;
    this.conmon = conmon;
    this.cgroups = cgroups;
    this.chambersDir = chambersDir;
    this.settings = settings;
    this.json = json;
    this.specs = specs;
  }

  ChamberPaths paths(String id) {
    return ChamberPaths.of(chambersDir, id);
  }

  /** The chamber's cgroup (its container's and its monitor's are below it). */
  String cgroup(String id) {
    return "/" + settings.cgroupParent() + "/" + id;
  }

  /** The overlay of {@code chamber}'s root file system. */
  Overlay overlay(String id, StoredFunction function, Baseimage base) {
    ChamberPaths paths = paths(id);
    List<Path> layers = new ArrayList<>();
    layers.add(function.layer());
    layers.addAll(base.layers());
    return new Overlay(layers, paths.upper(), paths.work(), paths.rootfs());
  }

  /**
   * Runs the container of {@code chamber}; the caller holds the handle's lock. Throws when a step
   * fails, leaving the handle saying how far it got.
   */
  void launch(Chamber chamber, StoredFunction function, Baseimage base, ChamberHandle handle) {
    ChamberPaths paths = paths(chamber.id());
    prepareDirectories(paths);
    String cgroup = cgroup(chamber.id());
    try {
      cgroups.create(cgroup, limits(chamber.spec()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the chamber's cgroup " + cgroup, e);
    }
    // conmon starts up while the root file system is mounted and config.json written.
    try (Conmon.Pending pending = conmon.spawn(chamber.id(), paths.container())) {
      try {
        cgroups.adoptMonitor(cgroup, pending.pid());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot move conmon into " + cgroup, e);
      }
      overlay(chamber.id(), function, base).mount();
      handle.startup.mark("mounted");
      writeConfig(chamber, base, paths);
      handle.startup.mark("configured");
      Conmon.Created created = pending.create();
      handle.containerCreated = true;
      handle.conmonPid = created.conmonPid();
    }
    handle.startup.mark("created");
    runc.start(chamber.id());
    handle.startup.mark("started");
  }

  /** The size of a chamber's termination-log file system: 4 pages; what is read of it is less. */
  static final long TERM_FS_BYTES = 16 * 1024;

  private static void prepareDirectories(ChamberPaths paths) {
    try {
      Files.createDirectories(paths.rootfs());
      Files.createDirectories(paths.upper());
      Files.createDirectories(paths.work());
      Files.createDirectories(paths.term());
      if (!Mounts.isMountPoint(paths.term())) {
        Mounts.mountSmallTmpfs(paths.term(), TERM_FS_BYTES);
      }
      Files.deleteIfExists(paths.terminationLog());
      Files.createFile(paths.terminationLog());
      // A restart starts from a clean slate: no exit code or OOM mark of the previous run.
      ContainerFiles files = paths.container();
      Files.deleteIfExists(files.exit());
      Files.deleteIfExists(files.oom());
      Files.deleteIfExists(files.containerPid());
      Files.deleteIfExists(files.runcLog());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the chamber directory " + paths.dir(), e);
    }
  }

  private void writeConfig(Chamber chamber, Baseimage base, ChamberPaths paths) {
    try {
      json.writeValue(
          paths.container().config().toFile(),
          OciSpecs.toOciSpec(containerConfig(chamber, base, paths)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + paths.container().config(), e);
    }
  }

  ContainerConfig containerConfig(Chamber chamber, Baseimage base, ChamberPaths paths) {
    ChamberSpec spec = chamber.spec();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", "/root");
    env.put("LANG", "C.UTF-8");
    env.put("PYTHONUNBUFFERED", "1");
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    env.putAll(
        spec.env()); // the function's own settings win over these defaults, not over SKYHOOK_*
    env.put("SKYHOOK_PORT", Integer.toString(chamber.port()));
    env.put("SKYHOOK_HOST", settings.bindAddress().getHostAddress());
    env.put("SKYHOOK_CHAMBER_ID", chamber.id());
    env.put("SKYHOOK_APP", spec.app());
    env.put("SKYHOOK_VERSION", spec.version());
    env.put("SKYHOOK_GUEST_DIR", FunctionStore.GUEST_DIR);
    env.put("SKYHOOK_TERMINATION_LOG", "/dev/termination-log");

    List<BindMount> binds = new ArrayList<>();
    binds.add(new BindMount(paths.terminationLog(), "/dev/termination-log", false));
    // The host network is shared, so its name resolution is too.
    for (String file : List.of("/etc/resolv.conf", "/etc/hosts")) {
      if (Files.isRegularFile(Path.of(file))) {
        binds.add(new BindMount(Path.of(file), file, true));
      }
    }

    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_PREFIX + "daemon", settings.daemonIdentity());
    labels.put(LABEL_PREFIX + "chamber", chamber.id());
    labels.put(LABEL_PREFIX + "app", spec.app());
    labels.put(LABEL_PREFIX + "version", spec.version());
    labels.put(LABEL_PREFIX + "runtime", spec.runtime());
    labels.put(LABEL_PREFIX + "port", Integer.toString(chamber.port()));
    labels.put(LABEL_PREFIX + "created", Long.toString(chamber.createdTimeMillis()));
    labels.put(LABEL_PREFIX + "spec", specs.write(spec));

    return new ContainerConfig(
        chamber.id(),
        paths.rootfs(),
        hostname(chamber.id()),
        List.of(base.runtime().interpreter(), "-s", Baseimage.SKYHOOK_PATH),
        env,
        binds,
        limits(spec),
        ChamberCgroups.containerPath(cgroup(chamber.id())),
        labels);
  }

  /** The spec's limits, the daemon's defaults where the spec has none. */
  ResourceLimits limits(ChamberSpec spec) {
    return new ResourceLimits(
        spec.memoryMb().isPresent()
            ? spec.memoryMb().getAsLong() * 1024 * 1024
            : settings.memoryBytes(),
        spec.pids().orElse(settings.pids()),
        java.util.OptionalDouble.of(spec.cpus().orElse(settings.cpus())));
  }

  /** The spec's startup timeout, or the daemon's default. */
  Duration startupTimeout(ChamberSpec spec) {
    return spec.startupTimeoutMs().isPresent()
        ? Duration.ofMillis(spec.startupTimeoutMs().getAsLong())
        : settings.startupTimeout();
  }

  /** Host names have at most 63 characters; long ids keep their unique end. */
  static String hostname(String id) {
    return id.length() <= 63 ? id : id.substring(id.length() - 63).replaceFirst("^[-.]+", "");
  }
}
