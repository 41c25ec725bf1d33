package dev.impulse.chamber;

import dev.impulse.image.Baseimage;
import dev.impulse.image.FunctionStore;
import dev.impulse.network.ChamberNetwork;
import dev.impulse.runtime.ChamberCgroups;
import dev.impulse.runtime.ContainerConfig;
import dev.impulse.runtime.ContainerConfig.BindMount;
import dev.impulse.runtime.ResourceLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chamber's container is made of, decided from its spec and the daemon's settings: its
 * config (command, environment, mounts, limits, labels), its cgroup and its startup timeout. Pure.
 *
 * <p>A chamber's disk is memory: the only place its function may write is {@code /tmp} (also its
 * {@code HOME}), a tmpfs of exactly {@link #diskBytes} whose pages are charged to the chamber's
 * memory cgroup. That cgroup is therefore limited to memory plus disk ({@link #limits}): a full
 * {@code /tmp} is {@code ENOSPC} inside the chamber, never an OOM kill, and leaves the function its
 * whole memory; the host never holds more than the two together for it.
 */
final class ContainerConfigs {
  /**
   * Chambers run as uid (and gid) {@code CHAMBER_UID_BASE + port}: unprivileged, far above any uid
   * a host gives its users or its own container ranges, and distinct for every live chamber (ports
   * are), so per-user kernel limits and keyrings are never shared with the host or another chamber.
   */
  static final int CHAMBER_UID_BASE = 2_000_000_000;

  /** Labels on every container; {@code runc state} reports them back. */
  static final String LABEL_PREFIX = "dev.impulse.";

  /** Where a stem cell's wrapper finds the daemon's control socket. */
  static final String CELL_CONTROL = "/run/skyhook/control";

  private final ChamberSettings settings;
  private final SpecJson specs;
  private final ChamberNetwork network;

  ContainerConfigs(ChamberSettings settings, SpecJson specs, ChamberNetwork network) {
    this.settings = settings;
    this.specs = specs;
    this.network = network;
  }

  /** The chamber's cgroup (its container's and its monitor's are below it). */
  String cgroup(String id) {
    return "/" + settings.cgroupParent() + "/" + id;
  }

  /**
   * The container of {@code chamber}, or with {@code cell} of the stem cell it stands for: a cell
   * has no function and no chamber's settings yet. Its guest directory is the cell's shared mount
   * point, and its wrapper waits on the control socket for the chamber it becomes.
   */
  ContainerConfig containerConfig(
      Chamber chamber, Baseimage base, ChamberPaths paths, boolean cell) {
    ChamberSpec spec = chamber.spec();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("LANG", "C.UTF-8");
    env.putAll(base.runtime().environment()); // a pulled image's PATH finds its interpreter
    env.put("HOME", "/tmp"); // the only writable place, of diskMb
    env.putAll(base.runtime().language().environment());
    if (!cell) {
      env.putAll(spec.env()); // the function's own settings win over these defaults, not SKYHOOK_*
    }
    InetSocketAddress bind = network.wrapperBind(chamber.port());
    env.put("SKYHOOK_PORT", Integer.toString(bind.getPort()));
    env.put("SKYHOOK_HOST", bind.getAddress().getHostAddress());
    if (cell) {
      env.put("SKYHOOK_CONTROL", CELL_CONTROL);
    } else {
      env.putAll(meta(chamber));
    }
    env.put("SKYHOOK_GUEST_DIR", FunctionStore.GUEST_DIR);
    env.put("SKYHOOK_TERMINATION_LOG", "/dev/termination-log");

    List<BindMount> binds = new ArrayList<>();
    binds.add(new BindMount(paths.terminationLog(), "/dev/termination-log", false));
    network.sharedFiles().forEach((file, source) -> binds.add(new BindMount(source, file, true)));
    if (cell) {
      binds.add(BindMount.receivingMounts(paths.guest(), FunctionStore.GUEST_DIR));
      binds.add(new BindMount(paths.control(), CELL_CONTROL, true));
    }

    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_PREFIX + "daemon", settings.daemonIdentity());
    if (cell) {
      labels.put(LABEL_PREFIX + "cell", chamber.id());
    } else {
      labels.put(LABEL_PREFIX + "chamber", chamber.id());
      labels.put(LABEL_PREFIX + "app", spec.app());
      labels.put(LABEL_PREFIX + "version", spec.version());
    }
    labels.put(LABEL_PREFIX + "runtime", spec.runtime());
    labels.put(LABEL_PREFIX + "port", Integer.toString(chamber.port()));
    labels.put(LABEL_PREFIX + "created", Long.toString(chamber.createdTimeMillis()));
    if (!cell) {
      labels.put(LABEL_PREFIX + "spec", specs.write(spec));
      chamber.deployment().ifPresent(d -> labels.put(LABEL_PREFIX + "deployment", d));
    }

    return new ContainerConfig(
        chamber.container(),
        paths.rootfs(),
        hostname(chamber.id()),
        base.runtime().command(memoryBytes(spec), spec.cpus().orElse(settings.cpus())),
        env,
        binds,
        limits(spec),
        ChamberCgroups.containerPath(cgroup(chamber.container())),
        labels,
        uid(chamber),
        diskBytes(spec),
        network.namespace(chamber.port()));
  }

  /**
   * The line that makes a stem cell {@code chamber}'s: the environment a cold start would have
   * given its function (its spec's, with the wrapper's own names for who it serves) and the {@code
   * meta} of every call.
   */
  byte[] specialisation(Chamber chamber) {
    Map<String, String> env = new LinkedHashMap<>();
    chamber
        .spec()
        .env()
        .forEach((name, value) -> {
          if (!name.startsWith("SKYHOOK_")) {
            env.put(name, value);
          }
        });
    env.putAll(meta(chamber));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("chamber_id", chamber.id());
    meta.put("app", chamber.spec().app());
    meta.put("version", chamber.spec().version());
    return specs.bytes(Map.of("env", env, "meta", meta));
  }

  /** Who the wrapper serves: the {@code meta} its function gets. */
  static Map<String, String> meta(Chamber chamber) {
    return Map.of(
        "SKYHOOK_CHAMBER_ID",
        chamber.id(),
        "SKYHOOK_APP",
        chamber.spec().app(),
        "SKYHOOK_VERSION",
        chamber.spec().version());
  }

  /** The unprivileged user chamber {@code chamber} runs as. */
  static int uid(Chamber chamber) {
    return CHAMBER_UID_BASE + chamber.port();
  }

  /**
   * The spec's limits, the daemon's defaults where the spec has none. The memory limit is the
   * function's memory plus its disk, whose pages the same cgroup pays for.
   */
  ResourceLimits limits(ChamberSpec spec) {
    return new ResourceLimits(
        memoryBytes(spec) + diskBytes(spec),
        spec.pids().orElse(settings.pids()),
        java.util.OptionalDouble.of(spec.cpus().orElse(settings.cpus())));
  }

  /** The function's memory: its spec's {@code memoryMb}, or the daemon's default. */
  long memoryBytes(ChamberSpec spec) {
    return spec.memoryMb().isPresent() ? spec.memoryMb().getAsLong() << 20 : settings.memoryBytes();
  }

  /** The size of the chamber's {@code /tmp}: its spec's {@code diskMb}, or the daemon's default. */
  long diskBytes(ChamberSpec spec) {
    return spec.diskMb().isPresent() ? spec.diskMb().getAsLong() << 20 : settings.diskBytes();
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
