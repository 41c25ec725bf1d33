package dev.impulse.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class OciSpecsTest {
  private final ObjectMapper json = new ObjectMapper();

  private static ContainerConfig config(OptionalDouble cpus) {
    return new ContainerConfig(
        "app-1-abcde",
        Path.of("/data/chambers/app-1-abcde/rootfs"),
        "app-1-abcde",
        List.of("/usr/bin/python3.11", "-s", "/opt/skyhook/skyhook.py"),
        Map.of("SKYHOOK_PORT", "6000", "PATH", "/usr/bin"),
        List.of(
            new ContainerConfig.BindMount(Path.of("/data/t"), "/dev/termination-log", false),
            new ContainerConfig.BindMount(Path.of("/etc/hosts"), "/etc/hosts", true)),
        new ResourceLimits(256L << 20, 512, cpus),
        "/impulse/app-1-abcde",
        Map.of("dev.impulse.port", "6000", "dev.impulse.app", "app"),
        2_000_006_000,
        64L << 20,
        java.util.Optional.empty());
  }

  private JsonNode render(ContainerConfig config) {
    try {
      return json.valueToTree(OciSpecs.toOciSpec(config, SeccompProfile.forChamber()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void givesTheChamberItsOwnPidIpcUtsMountAndCgroupNamespaces() {
    JsonNode spec = render(config(OptionalDouble.empty()));
    assertThat(spec.at("/linux/namespaces").findValuesAsText("type"))
        .containsExactly("pid", "ipc", "uts", "mount", "cgroup");
  }

  @Test
  void runsAsTheChambersOwnUnprivilegedUserOnAReadOnlyRootWithABoundedTmp() {
    JsonNode spec = render(config(OptionalDouble.empty()));
    assertThat(spec.at("/process/user/uid").asLong()).isEqualTo(2_000_006_000L);
    assertThat(spec.at("/process/user/gid").asLong()).isEqualTo(2_000_006_000L);
    assertThat(spec.at("/root/readonly").asBoolean()).isTrue();
    JsonNode tmp = null;
    for (JsonNode mount : spec.get("mounts")) {
      if (mount.get("destination").asText().equals("/tmp")) {
        tmp = mount;
      }
    }
    assertThat(tmp.get("type").asText()).isEqualTo("tmpfs");
    assertThat(tmp.get("options").toString()).contains("size=" + (64L << 20), "nosuid", "nodev");
  }

  @Test
  void forbidsNewPrivilegesAndGrantsNoCapabilityInAnySet() {
    JsonNode process = render(config(OptionalDouble.empty())).get("process");
    assertThat(process.get("noNewPrivileges").asBoolean()).isTrue();
    for (String set : List.of("bounding", "effective", "permitted", "ambient")) {
      assertThat(process.at("/capabilities/" + set).toString()).as(set).isEqualTo("[]");
    }
    assertThat(process.get("oomScoreAdj").asInt()).isZero();
    assertThat(process.get("terminal").asBoolean()).isFalse();
  }

  @Test
  void filtersSystemCallsDenyingByDefault() {
    JsonNode seccomp = render(config(OptionalDouble.empty())).at("/linux/seccomp");
    assertThat(seccomp.get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(seccomp.get("syscalls").size()).isGreaterThan(10);
  }

  @Test
  void masksAndWriteProtectsSensitiveProcPaths() {
    JsonNode linux = render(config(OptionalDouble.empty())).get("linux");
    assertThat(linux.get("maskedPaths").toString())
        .contains(
            "/proc/kcore", "/proc/keys", "/sys/firmware", "/proc/kpageflags", "/proc/kpagecount");
    assertThat(linux.get("readonlyPaths").toString()).contains("/proc/sys", "/proc/sysrq-trigger");
  }

  @Test
  void limitsMemoryAndPidsAndDeniesDevices() {
    JsonNode resources = render(config(OptionalDouble.empty())).at("/linux/resources");
    assertThat(resources.at("/memory/limit").asLong()).isEqualTo(256L << 20);
    assertThat(resources.at("/pids/limit").asLong()).isEqualTo(512);
    assertThat(resources.at("/devices/0/allow").asBoolean()).isFalse();
    assertThat(resources.at("/devices/0/access").asText()).isEqualTo("rwm");
    assertThat(resources.has("cpu")).isFalse();
  }

  @Test
  void turnsAFractionOfACoreIntoAQuotaPerPeriod() {
    JsonNode cpu = render(config(OptionalDouble.of(0.5))).at("/linux/resources/cpu");
    assertThat(cpu.get("quota").asLong()).isEqualTo(50_000);
    assertThat(cpu.get("period").asLong()).isEqualTo(100_000);
  }

  @Test
  void carriesTheChambersLabelsAndCgroup() {
    JsonNode spec = render(config(OptionalDouble.empty()));
    assertThat(spec.at("/annotations/dev.impulse.port").asText()).isEqualTo("6000");
    assertThat(spec.at("/linux/cgroupsPath").asText()).isEqualTo("/impulse/app-1-abcde");
    assertThat(spec.at("/root/path").asText()).isEqualTo("/data/chambers/app-1-abcde/rootfs");
  }

  @Test
  void bindsFilesReadOnlyOrWritableAsAsked() {
    JsonNode mounts = render(config(OptionalDouble.empty())).get("mounts");
    JsonNode hosts = null;
    JsonNode termination = null;
    for (JsonNode mount : mounts) {
      if (mount.get("destination").asText().equals("/etc/hosts")) {
        hosts = mount;
      }
      if (mount.get("destination").asText().equals("/dev/termination-log")) {
        termination = mount;
      }
    }
    assertThat(hosts.get("options").toString()).contains("\"ro\"", "\"rbind\"");
    assertThat(termination.get("options").toString()).contains("\"rw\"");
  }

  @Test
  void writesTheEnvironmentSortedSoConfigsCompare() {
    JsonNode env = render(config(OptionalDouble.empty())).at("/process/env");
    assertThat(env.toString()).isEqualTo("[\"PATH=/usr/bin\",\"SKYHOOK_PORT=6000\"]");
  }
}
