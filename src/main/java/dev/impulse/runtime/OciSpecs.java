package dev.impulse.runtime;

import dev.impulse.runtime.OciSpec.Capabilities;
import dev.impulse.runtime.OciSpec.Cpu;
import dev.impulse.runtime.OciSpec.DeviceRule;
import dev.impulse.runtime.OciSpec.Linux;
import dev.impulse.runtime.OciSpec.Memory;
import dev.impulse.runtime.OciSpec.Mount;
import dev.impulse.runtime.OciSpec.Namespace;
import dev.impulse.runtime.OciSpec.Pids;
import dev.impulse.runtime.OciSpec.Resources;
import dev.impulse.runtime.OciSpec.Rlimit;
import dev.impulse.runtime.OciSpec.Root;
import dev.impulse.runtime.OciSpec.User;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds config.json from a {@link ContainerConfig} with impulse's security posture: an
 * unprivileged user of the chamber's own with no capabilities at all (every set empty), no new
 * privileges, a read-only root file system with a size-bounded {@code /tmp} as the only writable
 * place, pid/ipc/uts/mount/cgroup namespaces, the masked and read-only /proc and /sys paths of the
 * container engines, all devices denied but runc's defaults (null, zero, full, random, urandom,
 * tty), memory, CPU and pids limits, and the engines' default-deny seccomp filter with impulse's
 * additions ({@link SeccompProfile}).
 */
public final class OciSpecs {
  static final String OCI_VERSION = "1.0.2";

  /** None: the restricted Pod Security Standard drops them all, and a function needs none. */
  static final List<String> CAPABILITIES = List.of();

  static final List<String> MASKED_PATHS =
      List.of(
          "/proc/acpi",
          "/proc/asound",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/proc/scsi",
          // host-wide memory maps and counters: Kubernetes' and containerd's defaults mask them
          "/proc/kpageflags",
          "/proc/kpagecount",
          "/proc/kpagecgroup",
          "/sys/firmware",
          "/sys/devices/virtual/powercap");
  static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
  static final List<String> NAMESPACES = List.of("pid", "ipc", "uts", "mount", "cgroup");
  static final long NOFILE = 1024;

  private OciSpecs() {}

  /** The config.json for {@code config}, its system calls filtered by {@code seccomp}. */
  public static OciSpec toOciSpec(ContainerConfig config, OciSpec.Seccomp seccomp) {
    List<String> env = new ArrayList<>();
    config.env().entrySet().stream()
        .sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> env.add(e.getKey() + "=" + e.getValue()));
    OciSpec.Process process =
        new OciSpec.Process(
            false,
            new User(config.uid(), config.uid()),
            config.args(),
            env,
            "/",
            Capabilities.of(CAPABILITIES),
            List.of(new Rlimit("RLIMIT_NOFILE", NOFILE, NOFILE)),
            true,
            // conmon runs at -999; without this the function would inherit it and be the last
            // thing the kernel's OOM killer picks.
            0);
    return new OciSpec(
        OCI_VERSION,
        process,
        new Root(config.rootfs().toString(), true),
        config.hostname(),
        mounts(config),
        new Linux(
            resources(config.limits()),
            config.cgroupsPath(),
            namespaces(config),
            MASKED_PATHS,
            READONLY_PATHS,
            java.util.Objects.requireNonNull(seccomp, "seccomp")),
        config.annotations());
  }

  private static List<Namespace> namespaces(ContainerConfig config) {
    List<Namespace> namespaces = new ArrayList<>(NAMESPACES.stream().map(Namespace::new).toList());
    config
        .networkNamespace()
        .ifPresent(path -> namespaces.add(new Namespace("network", path.toString())));
    return namespaces;
  }

  private static List<Mount> mounts(ContainerConfig config) {
    List<Mount> mounts = new ArrayList<>();
    mounts.add(new Mount("/proc", "proc", "proc", null));
    mounts.add(
        new Mount(
            "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
    mounts.add(
        new Mount(
            "/dev/pts",
            "devpts",
            "devpts",
            List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
    mounts.add(
        new Mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    mounts.add(new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
    mounts.add(new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
    // The only place the function may write: the root file system is read-only.
    mounts.add(
        new Mount(
            "/tmp",
            "tmpfs",
            "tmpfs",
            List.of(
                "nosuid",
                "nodev",
                "noexec",
                "mode=1777",
                "size=" + Math.max(4096, config.tmpBytes()))));
    for (ContainerConfig.BindMount bind : config.binds()) {
      List<String> options = new ArrayList<>(List.of("rbind", "nosuid", "nodev", "noexec"));
      options.add(bind.readOnly() ? "ro" : "rw");
      if (bind.receivesMounts()) {
        options.add("rslave");
      }
      mounts.add(new Mount(bind.destination(), "bind", bind.source().toString(), options));
    }
    return mounts;
  }

  private static Resources resources(ResourceLimits limits) {
    Cpu cpu = null;
    if (limits.cpus().isPresent()) {
      cpu = new Cpu(limits.cpuQuotaMicros(), ResourceLimits.CPU_PERIOD_MICROS);
    }
    return new Resources(
        List.of(new DeviceRule(false, "rwm")),
        new Memory(limits.memoryBytes()),
        cpu,
        new Pids(limits.pids()));
  }
}
