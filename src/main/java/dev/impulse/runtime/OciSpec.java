package dev.impulse.runtime;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The part of the OCI runtime specification (config.json, version 1.0.2) that impulse writes. Field
 * names are the specification's; absent optional fields are left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OciSpec(
    String ociVersion,
    Process process,
    Root root,
    String hostname,
    List<Mount> mounts,
    Linux linux,
    Map<String, String> annotations) {

  public OciSpec {
    Objects.requireNonNull(ociVersion, "ociVersion");
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(root, "root");
    mounts = List.copyOf(mounts);
    annotations = Map.copyOf(annotations);
  }

  /** The container's first process. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Process(
      boolean terminal,
      User user,
      List<String> args,
      List<String> env,
      String cwd,
      Capabilities capabilities,
      List<Rlimit> rlimits,
      boolean noNewPrivileges,
      Integer oomScoreAdj) {
    public Process {
      args = List.copyOf(args);
      env = List.copyOf(env);
      rlimits = List.copyOf(rlimits);
    }
  }

  /** Numeric user and group the process runs as. */
  public record User(int uid, int gid) {}

  /** Linux capability sets, by name ({@code CAP_KILL}). */
  public record Capabilities(
      List<String> bounding, List<String> effective, List<String> permitted, List<String> ambient) {
    /** The same capabilities in every set. */
    public static Capabilities of(List<String> caps) {
      return new Capabilities(caps, caps, caps, caps);
    }
  }

  /** A POSIX resource limit ({@code RLIMIT_NOFILE}). */
  public record Rlimit(String type, long hard, long soft) {}

  /** The root file system: a path relative to the bundle, or absolute. */
  public record Root(String path, boolean readonly) {}

  /** A mount inside the container. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Mount(String destination, String type, String source, List<String> options) {}

  /** Linux-specific settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Linux(
      Resources resources,
      String cgroupsPath,
      List<Namespace> namespaces,
      List<String> maskedPaths,
      List<String> readonlyPaths,
      Seccomp seccomp) {}

  /**
   * The seccomp filter of the container's processes ({@link SeccompProfile} builds it): what a
   * system call not named in {@code syscalls} gets, the architectures the filter covers ({@code
   * SCMP_ARCH_X86_64}, ...), and the rules.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Seccomp(
      String defaultAction,
      Integer defaultErrnoRet,
      List<String> architectures,
      List<Syscall> syscalls) {
    public Seccomp {
      Objects.requireNonNull(defaultAction, "defaultAction");
      architectures = List.copyOf(architectures);
      syscalls = List.copyOf(syscalls);
    }
  }

  /**
   * A seccomp rule: {@code action} ({@code SCMP_ACT_ALLOW}, {@code SCMP_ACT_ERRNO} with {@code
   * errnoRet}, ...) for the system calls {@code names} when every one of {@code args} holds (always
   * when there are none).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Syscall(
      List<String> names, String action, Integer errnoRet, List<SyscallArg> args) {
    public Syscall {
      names = List.copyOf(names);
      Objects.requireNonNull(action, "action");
      args = args == null || args.isEmpty() ? null : List.copyOf(args);
    }
  }

  /**
   * A condition on the system call's argument {@code index}: {@code op} ({@code SCMP_CMP_EQ}, ...)
   * with {@code value}; for {@code SCMP_CMP_MASKED_EQ}, {@code (arg & value) == valueTwo}.
   */
  public record SyscallArg(int index, long value, long valueTwo, String op) {}

  /**
   * A namespace of the container ({@code pid}, {@code mount}, ...): a new one, or the existing one
   * at {@code path} (a chamber's network namespace, made ahead by the daemon).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Namespace(String type, String path) {
    public Namespace(String type) {
      this(type, null);
    }
  }

  /** cgroup limits. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids) {}

  /** A device cgroup rule. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DeviceRule(boolean allow, String access) {}

  /** Memory limit in bytes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Memory(Long limit) {}

  /** CPU bandwidth: {@code quota} microseconds of CPU per {@code period} microseconds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Cpu(Long quota, Long period) {}

  /** Maximum number of processes and threads. */
  public record Pids(long limit) {}
}
