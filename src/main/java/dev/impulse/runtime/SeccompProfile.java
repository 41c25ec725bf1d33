package dev.impulse.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.impulse.runtime.OciSpec.Seccomp;
import dev.impulse.runtime.OciSpec.Syscall;
import dev.impulse.runtime.OciSpec.SyscallArg;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seccomp filter of every chamber (docs/security.md, Seccomp).
 *
 * <p>Its source of truth is the container engines' default profile as Debian ships it: {@link
 * #SOURCE}, installed by the package {@value #PACKAGE} (podman's and CRI-O's default, in Docker's
 * format). That file is written for containers of any capabilities, architecture and kernel: each
 * rule may say which capabilities, architectures and minimum kernel it is for ({@code includes}) or
 * not for ({@code excludes}). The conversion keeps the rules that hold for a process with no
 * capabilities at all (a chamber has none) on this machine's architecture and running kernel, the
 * way Docker and podman choose them, and carries their names, action, {@code errnoRet} and {@code
 * args} through unchanged; the default action and the architectures (the file's {@code archMap}
 * entry for this machine: {@code SCMP_ARCH_X86_64} with {@code SCMP_ARCH_X86} and {@code
 * SCMP_ARCH_X32}, or {@code SCMP_ARCH_AARCH64} with {@code SCMP_ARCH_ARM}) come from the file too.
 *
 * <p>Then impulse's additions, the only place impulse departs from the file: the file leaves the
 * kernel's capability checks to refuse much of what needs privileges, and impulse refuses it in the
 * filter too (see {@link #REFUSED}, {@link #CLONE_NAMESPACE_FLAGS}).
 */
public final class SeccompProfile {
  /** The container engines' default seccomp profile. */
  public static final Path SOURCE = Path.of("/usr/share/containers/seccomp.json");

  /** The Debian package that installs {@link #SOURCE}. */
  public static final String PACKAGE = "golang-github-containers-common";

  static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");

  static final String ALLOW = "SCMP_ACT_ALLOW";
  static final String ERRNO = "SCMP_ACT_ERRNO";
  static final String MASKED_EQ = "SCMP_CMP_MASKED_EQ";
  static final int EPERM = 1;
  static final int ENOSYS = 38;

  /**
   * Impulse's additions: system calls the file allows to a process without capabilities and a
   * chamber is refused ({@code EPERM}), whatever rule of the file names them.
   *
   * <ul>
   *   <li>Mounts, old and new API, and changing root: a chamber's file systems are set up by runc
   *       and stay as they are. The kernel would refuse these without CAP_SYS_ADMIN; the filter
   *       refuses them before the kernel's mount code is reached.
   *   <li>Namespaces: {@code unshare} and {@code setns} (the file allows {@code setns} and also
   *       refuses it to processes without CAP_SYS_ADMIN; here refusal wins). A new user namespace
   *       would hand the function every capability inside it and with them the kernel's
   *       namespace-only attack surface; {@code clone} is restricted the same way, below.
   *   <li>Kernel keyrings ({@code keyctl}; {@code add_key} and {@code request_key} the file already
   *       leaves to the default action): keyrings are not namespaced.
   *   <li>Tracing other processes: {@code ptrace}, {@code process_vm_readv}, {@code
   *       process_vm_writev}, {@code pidfd_getfd}. The function runs as root inside its chamber,
   *       and the kernel lets a process trace, read and write any process of the same user without
   *       a capability: that includes whatever enters the chamber from outside ({@code runc exec}),
   *       and before Linux 4.8 a tracer could rewrite a system call after seccomp had passed it.
   *       Python, Node.js and the JVM do not need it to run.
   *   <li>{@code reboot} (in a pid namespace it would end the chamber's init) and {@code syslog}
   *       (the kernel's log, readable without a capability when {@code kernel.dmesg_restrict} is
   *       0).
   * </ul>
   */
  static final List<String> REFUSED =
      List.of(
          "mount",
          "umount",
          "umount2",
          "mount_setattr",
          "move_mount",
          "open_tree",
          "fsopen",
          "fsconfig",
          "fsmount",
          "fspick",
          "pivot_root",
          "unshare",
          "setns",
          "keyctl",
          "ptrace",
          "process_vm_readv",
          "process_vm_writev",
          "pidfd_getfd",
          "reboot",
          "syslog");

  /**
   * Impulse's addition for {@code clone} (the file allows it with any flags): allowed only when its
   * flags (argument 0 on x86_64 and aarch64) ask for no new namespace, as Docker's profile does for
   * processes without CAP_SYS_ADMIN: CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
   * CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. {@code clone3} passes its flags in memory that
   * seccomp cannot read, so it answers {@code ENOSYS}, and the C libraries fall back to {@code
   * clone} (glibc does so for threads, fork and posix_spawn).
   */
  static final long CLONE_NAMESPACE_FLAGS = 0x7E02_0000L;

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private SeccompProfile() {}

  /**
   * The filter for a chamber on this machine: {@link #SOURCE} converted for its architecture and
   * running kernel, with impulse's additions.
   *
   * @throws NoSuchFileException if {@link #SOURCE} is missing (the message names the package)
   * @throws IOException if it cannot be read or is not a profile impulse understands
   */
  public static Seccomp forChamber() throws IOException {
    return load(SOURCE, Arch.running(), KernelVersion.running());
  }

  /**
   * The filter {@code source} gives a process without capabilities on {@code arch}, {@code kernel}.
   */
  static Seccomp load(Path source, Arch arch, KernelVersion kernel) throws IOException {
    Profile profile;
    try (InputStream in = Files.newInputStream(source)) {
      profile = JSON.readValue(in, Profile.class);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          source.toString(),
          null,
          "no seccomp profile; install the Debian package "
              + PACKAGE
              + " (scripts/install-deps does)");
    } catch (JacksonException e) {
      throw new IOException(
          "cannot read the seccomp profile " + source + ": " + e.getOriginalMessage(), e);
    }
    try {
      return convert(profile, arch, kernel);
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot use the seccomp profile " + source + ": " + e.getMessage(), e);
    }
  }

  static Seccomp convert(Profile profile, Arch arch, KernelVersion kernel) {
    require(profile.defaultAction() != null, "it has no defaultAction");
    require(profile.archMap() != null, "it has no archMap");
    require(profile.syscalls() != null, "it has no syscalls");
    ArchMap map =
        profile.archMap().stream()
            .filter(m -> arch.seccompName.equals(m.architecture()))
            .findFirst()
            .orElseThrow(() ->
                new IllegalArgumentException("its archMap has no entry for " + arch.seccompName));
    List<String> architectures = new ArrayList<>();
    architectures.add(map.architecture());
    if (map.subArchitectures() != null) {
      architectures.addAll(map.subArchitectures());
    }
    List<Syscall> rules = new ArrayList<>();
    for (Rule rule : profile.syscalls()) {
      require(
          rule.names() != null && !rule.names().isEmpty() && rule.action() != null,
          "a rule has no names or no action");
      if (applies(rule, arch, kernel)) {
        rules.add(new Syscall(rule.names(), rule.action(), rule.errnoRet(), rule.args()));
      }
    }
    return new Seccomp(
        profile.defaultAction(),
        profile.defaultErrnoRet(),
        architectures,
        refusalsWin(withImpulseAdditions(rules)));
  }

  /**
   * Whether {@code rule} is for a process without capabilities on {@code arch} and {@code kernel}:
   * every condition of its {@code includes} holds and none of its {@code excludes} does.
   */
  static boolean applies(Rule rule, Arch arch, KernelVersion kernel) {
    Filter includes = rule.includes() == null ? Filter.NONE : rule.includes();
    Filter excludes = rule.excludes() == null ? Filter.NONE : rule.excludes();
    if (!includes.caps().isEmpty()) {
      return false; // for processes holding capabilities a chamber does not have
    }
    if (!includes.arches().isEmpty() && !includes.arches().contains(arch.profileName)) {
      return false;
    }
    if (includes.minKernel() != null
        && kernel.compareTo(KernelVersion.parse(includes.minKernel())) < 0) {
      return false;
    }
    // excludes.caps never holds: a chamber has none of them.
    if (excludes.arches().contains(arch.profileName)) {
      return false;
    }
    return excludes.minKernel() == null
        || kernel.compareTo(KernelVersion.parse(excludes.minKernel())) < 0;
  }

  /** The file's rules without the names impulse decides, then impulse's rules for them. */
  private static List<Syscall> withImpulseAdditions(List<Syscall> fromFile) {
    Set<String> decided = new HashSet<>(REFUSED);
    decided.add("clone");
    decided.add("clone3");
    List<Syscall> rules = new ArrayList<>();
    for (Syscall rule : fromFile) {
      List<String> names = rule.names().stream().filter(n -> !decided.contains(n)).toList();
      if (!names.isEmpty()) {
        rules.add(new Syscall(names, rule.action(), rule.errnoRet(), rule.args()));
      }
    }
    rules.add(new Syscall(REFUSED, ERRNO, EPERM, null));
    rules.add(
        new Syscall(
            List.of("clone"),
            ALLOW,
            null,
            List.of(new SyscallArg(0, CLONE_NAMESPACE_FLAGS, 0, MASKED_EQ))));
    rules.add(new Syscall(List.of("clone3"), ERRNO, ENOSYS, null));
    return rules;
  }

  /**
   * A system call both allowed and refused without conditions (the file does so for {@code setns})
   * is refused: it is left out of the allowing rules.
   */
  private static List<Syscall> refusalsWin(List<Syscall> rules) {
    Set<String> refused = new HashSet<>();
    for (Syscall rule : rules) {
      if (rule.args() == null && !ALLOW.equals(rule.action())) {
        refused.addAll(rule.names());
      }
    }
    List<Syscall> kept = new ArrayList<>();
    for (Syscall rule : rules) {
      if (rule.args() == null && ALLOW.equals(rule.action())) {
        List<String> names = rule.names().stream().filter(n -> !refused.contains(n)).toList();
        if (!names.isEmpty()) {
          kept.add(new Syscall(names, rule.action(), rule.errnoRet(), rule.args()));
        }
      } else {
        kept.add(rule);
      }
    }
    return kept;
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }

  /** The architectures impulse runs on, by the profile's name and libseccomp's. */
  enum Arch {
    X86_64("amd64", "SCMP_ARCH_X86_64"),
    AARCH64("arm64", "SCMP_ARCH_AARCH64");

    /** The name in a rule's {@code arches} (Go's GOARCH). */
    final String profileName;

    /** The name in {@code archMap} and config.json. */
    final String seccompName;

    Arch(String profileName, String seccompName) {
      this.profileName = profileName;
      this.seccompName = seccompName;
    }

    static Arch running() {
      String arch = System.getProperty("os.arch");
      return switch (arch) {
        case "amd64", "x86_64" -> X86_64;
        case "aarch64", "arm64" -> AARCH64;
        default ->
            throw new IllegalStateException(
                "no seccomp profile for the architecture " + arch + " (x86_64 and aarch64 only)");
      };
    }
  }

  /** A kernel's major and minor version, as a rule's {@code minKernel} names one ("4.8"). */
  record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\.(\\d+)(?:\\D.*)?");

    static KernelVersion parse(String text) {
      Matcher m = FORM.matcher(text.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException("not a kernel version: " + text);
      }
      return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** The running kernel's, from {@code /proc/sys/kernel/osrelease} ("6.1.0-28-amd64"). */
    static KernelVersion running() throws IOException {
      // Read as lines: Files.readString reads a /proc/sys file's first byte only.
      List<String> lines = Files.readAllLines(OSRELEASE);
      if (lines.isEmpty()) {
        throw new IOException(OSRELEASE + " is empty");
      }
      try {
        return parse(lines.getFirst());
      } catch (IllegalArgumentException e) {
        throw new IOException(OSRELEASE + ": " + e.getMessage(), e);
      }
    }

    @Override
    public int compareTo(KernelVersion other) {
      return major != other.major
          ? Integer.compare(major, other.major)
          : Integer.compare(minor, other.minor);
    }
  }

  /** The profile file (Docker's format); fields that only explain are ignored. */
  @JsonIgnoreProperties({"defaultErrno"})
  record Profile(
      String defaultAction, Integer defaultErrnoRet, List<ArchMap> archMap, List<Rule> syscalls) {}

  /** An architecture and the ones its processes can also use (x86 and x32 on x86_64). */
  record ArchMap(String architecture, List<String> subArchitectures) {}

  /** A rule of the file, with the conditions it is for. */
  @JsonIgnoreProperties({"comment", "errno"})
  record Rule(
      List<String> names,
      String action,
      Integer errnoRet,
      List<SyscallArg> args,
      Filter includes,
      Filter excludes) {}

  /** A rule's conditions: capabilities, architectures (the profile's names), minimum kernel. */
  record Filter(List<String> caps, List<String> arches, String minKernel) {
    static final Filter NONE = new Filter(null, null, null);

    Filter {
      caps = caps == null ? List.of() : List.copyOf(caps);
      arches = arches == null ? List.of() : List.copyOf(arches);
    }
  }
}
