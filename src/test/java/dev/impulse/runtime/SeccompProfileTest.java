package dev.impulse.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.runtime.OciSpec.Seccomp;
import dev.impulse.runtime.OciSpec.Syscall;
import dev.impulse.runtime.OciSpec.SyscallArg;
import dev.impulse.runtime.SeccompProfile.Arch;
import dev.impulse.runtime.SeccompProfile.KernelVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chamber's seccomp filter, converted from the installed engines' profile. */
class SeccompProfileTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What issue 9 says a chamber must be refused. */
  private static final List<String> MUST_REFUSE =
      List.of(
          "keyctl",
          "add_key",
          "request_key",
          "mount",
          "umount2",
          "init_module",
          "finit_module",
          "delete_module",
          "kexec_load",
          "kexec_file_load",
          "bpf",
          "perf_event_open",
          "ptrace",
          "process_vm_readv",
          "process_vm_writev",
          "reboot",
          "settimeofday",
          "clock_settime",
          "swapon",
          "swapoff",
          "unshare",
          "setns",
          "clone3");

  /** What Python, Node.js and the JVM call as a matter of course (clone and socket: below). */
  private static final List<String> MUST_ALLOW =
      List.of(
          "read",
          "write",
          "openat",
          "close",
          "mmap",
          "munmap",
          "mprotect",
          "madvise",
          "brk",
          "futex",
          "epoll_create1",
          "epoll_ctl",
          "epoll_wait",
          "epoll_pwait",
          "bind",
          "listen",
          "accept4",
          "connect",
          "sendto",
          "recvfrom",
          "getrandom",
          "rt_sigaction",
          "rt_sigprocmask",
          "exit_group",
          "execve",
          "prctl",
          "arch_prctl",
          "wait4",
          "sched_getaffinity",
          "set_robust_list",
          "rseq",
          "clock_gettime");

  private static final long SIGCHLD = 17;

  /** pthread_create's flags: VM, FS, FILES, SIGHAND, THREAD, SYSVSEM, SETTLS, the TID ones. */
  private static final long THREAD_FLAGS = 0x003d0f00L;

  private static final Map<String, Long> NAMESPACE_FLAGS =
      Map.of(
          "CLONE_NEWNS", 0x00020000L,
          "CLONE_NEWCGROUP", 0x02000000L,
          "CLONE_NEWUTS", 0x04000000L,
          "CLONE_NEWIPC", 0x08000000L,
          "CLONE_NEWUSER", 0x10000000L,
          "CLONE_NEWPID", 0x20000000L,
          "CLONE_NEWNET", 0x40000000L);

  private static final Seccomp PROFILE = installed();

  private static Seccomp installed() {
    try {
      return SeccompProfile.forChamber();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void writesTheOciFieldNamesAndReadsBackTheSame() throws IOException {
    JsonNode tree = JSON.valueToTree(PROFILE);
    assertThat(names(tree))
        .isEqualTo(Set.of("defaultAction", "defaultErrnoRet", "architectures", "syscalls"));
    for (JsonNode rule : tree.get("syscalls")) {
      assertThat(names(rule))
          .contains("names", "action")
          .isSubsetOf("names", "action", "errnoRet", "args");
      if (rule.has("args")) {
        for (JsonNode arg : rule.get("args")) {
          assertThat(names(arg)).isEqualTo(Set.of("index", "value", "valueTwo", "op"));
        }
      }
    }
    assertThat(JSON.treeToValue(tree, Seccomp.class)).isEqualTo(PROFILE);

    OciSpec.Linux linux = new OciSpec.Linux(null, null, List.of(), List.of(), List.of(), PROFILE);
    assertThat(JSON.valueToTree(linux).get("seccomp")).isEqualTo(tree);
  }

  @Test
  void keepsTheFilesDefaultActionAndArchitectures() throws IOException {
    JsonNode file = JSON.readTree(SeccompProfile.SOURCE.toFile());
    assertThat(PROFILE.defaultAction()).isEqualTo(file.get("defaultAction").asText());
    assertThat(PROFILE.defaultErrnoRet()).isEqualTo(file.get("defaultErrnoRet").asInt());
    assertThat(PROFILE.defaultAction()).isNotEqualTo(SeccompProfile.ALLOW);
    if (Arch.running() == Arch.X86_64) {
      assertThat(PROFILE.architectures())
          .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
    } else {
      assertThat(PROFILE.architectures()).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
    }
  }

  @Test
  void refusesWhatAChamberMustNotDo() {
    for (String name : MUST_REFUSE) {
      assertThat(rulesFor(PROFILE, name))
          .as("rules allowing %s", name)
          .noneMatch(r -> r.action().equals(SeccompProfile.ALLOW));
      assertThat(outcomes(PROFILE, name, 0)).as(name).doesNotContain(SeccompProfile.ALLOW);
    }
    assertThat(outcomes(PROFILE, "ptrace", 0)).containsExactly("SCMP_ACT_ERRNO:1");
    assertThat(outcomes(PROFILE, "clone3", 0)).containsExactly("SCMP_ACT_ERRNO:38");
  }

  @Test
  void allowsCloneOnlyWithoutNamespaceFlags() {
    assertThat(outcomes(PROFILE, "clone", SIGCHLD)).containsExactly(SeccompProfile.ALLOW);
    assertThat(outcomes(PROFILE, "clone", THREAD_FLAGS)).containsExactly(SeccompProfile.ALLOW);
    NAMESPACE_FLAGS.forEach((flag, bit) ->
        assertThat(outcomes(PROFILE, "clone", SIGCHLD | bit))
            .as("clone with %s", flag)
            .doesNotContain(SeccompProfile.ALLOW));
    assertThat(rulesFor(PROFILE, "clone"))
        .containsExactly(
            new Syscall(
                List.of("clone"),
                SeccompProfile.ALLOW,
                null,
                List.of(new SyscallArg(0, 0x7E020000L, 0, "SCMP_CMP_MASKED_EQ"))));
  }

  @Test
  void allowsWhatPythonNodeAndTheJvmNeed() {
    for (String name : MUST_ALLOW) {
      assertThat(rulesFor(PROFILE, name))
          .as("rules for %s", name)
          .containsOnly(new Syscall(List.of(name), SeccompProfile.ALLOW, null, null));
    }
    long afUnix = 1;
    long afInet = 2;
    long afInet6 = 10;
    long afNetlink = 16;
    for (long domain : List.of(afUnix, afInet, afInet6)) {
      assertThat(outcomes(PROFILE, "socket", domain, 1, 0)).containsExactly(SeccompProfile.ALLOW);
    }
    // The audit socket needs CAP_AUDIT_WRITE, which a chamber does not have.
    assertThat(outcomes(PROFILE, "socket", afNetlink, 3, 9)).containsExactly("SCMP_ACT_ERRNO:22");
  }

  @Test
  void noSystemCallIsBothAllowedAndRefusedWithoutConditions() {
    Map<String, Set<String>> unconditional = new HashMap<>();
    for (Syscall rule : PROFILE.syscalls()) {
      if (rule.args() == null) {
        for (String name : rule.names()) {
          unconditional.computeIfAbsent(name, n -> new HashSet<>()).add(outcome(rule));
        }
      }
    }
    unconditional.forEach((name, actions) -> assertThat(actions).as(name).hasSize(1));
  }

  @Test
  void aMissingFileNamesThePackageToInstall(@TempDir Path dir) {
    Path missing = dir.resolve("seccomp.json");
    assertThatThrownBy(() -> SeccompProfile.load(missing, Arch.X86_64, new KernelVersion(6, 1)))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("install the Debian package golang-github-containers-common");
  }

  @Test
  void keepsTheRulesForNoCapabilitiesThisArchitectureAndThisKernel(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("seccomp.json");
    Files.writeString(
        file,
        """
        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "defaultErrno": "ENOSYS",
         "archMap": [
           {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
           {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
         "syscalls": [
           {"names": ["always", "mount"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "",
            "includes": {}, "excludes": {}},
           {"names": ["withAdmin"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
           {"names": ["withoutAdmin"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EPERM",
            "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
           {"names": ["onArm"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm", "arm64"]}},
           {"names": ["notOnX86"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
           {"names": ["since48"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
           {"names": ["before5"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.0"}},
           {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
              {"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]}
        """);

    Seccomp x86New = SeccompProfile.load(file, Arch.X86_64, new KernelVersion(6, 1));
    assertThat(allowed(x86New)).containsExactly("always", "personality", "since48");
    assertThat(x86New.architectures())
        .containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
    assertThat(x86New.defaultErrnoRet()).isEqualTo(38);
    assertThat(rulesFor(x86New, "withoutAdmin"))
        .containsExactly(new Syscall(List.of("withoutAdmin"), SeccompProfile.ERRNO, 1, null));
    assertThat(rulesFor(x86New, "personality"))
        .containsExactly(
            new Syscall(
                List.of("personality"),
                SeccompProfile.ALLOW,
                null,
                List.of(new SyscallArg(0, 4294967295L, 0, "SCMP_CMP_EQ"))));
    // impulse's additions apply to whatever file it reads
    assertThat(outcomes(x86New, "mount", 0)).containsExactly("SCMP_ACT_ERRNO:1");

    Seccomp armOld = SeccompProfile.load(file, Arch.AARCH64, new KernelVersion(4, 4));
    assertThat(allowed(armOld))
        .containsExactly("always", "before5", "notOnX86", "onArm", "personality");
    assertThat(armOld.architectures()).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
  }

  @Test
  void refusesAFileWithAConditionItDoesNotKnow(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("seccomp.json");
    Files.writeString(
        file,
        """
        {"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64"}],
         "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"selinux": true}}]}
        """);
    assertThatThrownBy(() -> SeccompProfile.load(file, Arch.X86_64, new KernelVersion(6, 1)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("selinux");
  }

  @Test
  void readsTheRunningKernelsVersion() throws IOException {
    assertThat(KernelVersion.running())
        .isEqualTo(KernelVersion.parse(System.getProperty("os.version")));
    assertThat(KernelVersion.parse("6.18.44-fc-v782")).isEqualTo(new KernelVersion(6, 18));
    assertThat(KernelVersion.parse("4.8")).isEqualTo(new KernelVersion(4, 8));
    assertThat(new KernelVersion(4, 10)).isGreaterThan(new KernelVersion(4, 8));
    assertThatThrownBy(() -> KernelVersion.parse("six"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Set<String> names(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<Syscall> rulesFor(Seccomp profile, String name) {
    List<Syscall> rules = new ArrayList<>();
    for (Syscall rule : profile.syscalls()) {
      if (rule.names().contains(name)) {
        rules.add(new Syscall(List.of(name), rule.action(), rule.errnoRet(), rule.args()));
      }
    }
    return rules;
  }

  /** The names some rule of the profile allows, with or without conditions, but clone. */
  private static Set<String> allowed(Seccomp profile) {
    Set<String> names = new TreeSet<>();
    profile.syscalls().stream()
        .filter(r -> r.action().equals(SeccompProfile.ALLOW))
        .forEach(r -> names.addAll(r.names()));
    names.remove("clone"); // impulse's own rule, whatever the file says
    return names;
  }

  /**
   * What the filter does for {@code name} called with {@code args}: the outcome of every rule that
   * matches, or the default action if none does.
   */
  private static Set<String> outcomes(Seccomp profile, String name, long... args) {
    Set<String> outcomes = new TreeSet<>();
    for (Syscall rule : profile.syscalls()) {
      if (rule.names().contains(name) && matches(rule, args)) {
        outcomes.add(outcome(rule));
      }
    }
    if (outcomes.isEmpty()) {
      outcomes.add(
          outcome(
              new Syscall(
                  List.of(name), profile.defaultAction(), profile.defaultErrnoRet(), null)));
    }
    return outcomes;
  }

  private static String outcome(Syscall rule) {
    return rule.action().equals(SeccompProfile.ERRNO)
        ? rule.action() + ":" + rule.errnoRet()
        : rule.action();
  }

  private static boolean matches(Syscall rule, long... args) {
    if (rule.args() == null) {
      return true;
    }
    for (SyscallArg arg : rule.args()) {
      long value = arg.index() < args.length ? args[arg.index()] : 0;
      int cmp = Long.compareUnsigned(value, arg.value());
      boolean holds =
          switch (arg.op()) {
            case "SCMP_CMP_EQ" -> cmp == 0;
            case "SCMP_CMP_NE" -> cmp != 0;
            case "SCMP_CMP_LT" -> cmp < 0;
            case "SCMP_CMP_LE" -> cmp <= 0;
            case "SCMP_CMP_GT" -> cmp > 0;
            case "SCMP_CMP_GE" -> cmp >= 0;
            case "SCMP_CMP_MASKED_EQ" -> (value & arg.value()) == arg.valueTwo();
            default -> throw new AssertionError("unknown op " + arg.op());
          };
      if (!holds) {
        return false;
      }
    }
    return true;
  }
}
