package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.network.HostNetwork;
import dev.impulse.network.PortAllocator;
import dev.impulse.network.PortRange;
import dev.impulse.runtime.ContainerConfig;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerConfigsTest {
  private static final long MIB = 1 << 20;

  private final ContainerConfigs configs =
      new ContainerConfigs(
          new ChamberSettings(
              InetAddress.getLoopbackAddress(),
              256 * MIB,
              512,
              1,
              256 * MIB,
              4096 * MIB,
              2,
              4096,
              2048 * MIB,
              Duration.ofSeconds(30),
              Duration.ofSeconds(5),
              "impulse-test",
              "/data",
              Duration.ofSeconds(5),
              3,
              Duration.ofSeconds(1),
              Duration.ofSeconds(60),
              1000,
              10,
              0),
          new SpecJson(new ObjectMapper()),
          new HostNetwork(
              new PortAllocator(new PortRange(6000, 6009), port -> true),
              InetAddress.getLoopbackAddress()));

  private static ChamberSpec spec(Object... pairs) {
    Map<String, Object> given = new java.util.LinkedHashMap<>();
    given.put("app", "app");
    given.put("version", "1");
    given.put("runtime", "python3");
    for (int i = 0; i < pairs.length; i += 2) {
      given.put((String) pairs[i], pairs[i + 1]);
    }
    return ChamberSpec.fromGiven(given);
  }

  private ContainerConfig config(ChamberSpec spec) {
    return configs.containerConfig(
        Chamber.starting("app-1-abcde", spec, 6000, 0),
        new FakeImages().baseimage("python3"),
        ChamberPaths.of(Path.of("/data/chambers"), "app-1-abcde"),
        false);
  }

  @Test
  void tmpIsExactlyTheSpecsDiskAndTheMemoryLimitHoldsMemoryAndDisk() {
    ContainerConfig config = config(spec("memoryMb", 64, "diskMb", 24));
    assertThat(config.tmpBytes()).isEqualTo(24 * MIB);
    assertThat(config.limits().memoryBytes()).isEqualTo((64 + 24) * MIB);
    assertThat(configs.limits(spec("memoryMb", 64, "diskMb", 24)).memoryBytes())
        .as("the chamber's cgroup gets the same limit")
        .isEqualTo((64 + 24) * MIB);
  }

  @Test
  void withoutAFieldTheDaemonsDefaultsApply() {
    ContainerConfig config = config(spec());
    assertThat(config.tmpBytes()).isEqualTo(256 * MIB);
    assertThat(config.limits().memoryBytes()).isEqualTo((256 + 256) * MIB);
    assertThat(config(spec("diskMb", 1024)).limits().memoryBytes()).isEqualTo((256 + 1024) * MIB);
    assertThat(config(spec("memoryMb", 16)).tmpBytes())
        .as("the disk no longer depends on the memory")
        .isEqualTo(256 * MIB);
  }

  @Test
  void theFunctionsHomeIsItsBoundedTmp() {
    assertThat(config(spec("diskMb", 24)).env()).containsEntry("HOME", "/tmp");
    assertThat(config(spec("diskMb", 24, "env", Map.of("HOME", "/elsewhere"))).env())
        .as("a spec may move HOME, but only /tmp is writable")
        .containsEntry("HOME", "/elsewhere");
  }

  @Test
  void aStemCellsContainerHasNoTenantsSettingsAndWaitsOnItsControlSocket() {
    ContainerConfig cell =
        configs.containerConfig(
            Chamber.starting("cell.python3.11.abcde", spec("env", Map.of("SECRET", "s")), 6001, 0),
            new FakeImages().baseimage("python3"),
            ChamberPaths.of(Path.of("/data/chambers"), "cell.python3.11.abcde"),
            true);
    assertThat(cell.env())
        .doesNotContainKeys("SECRET", "SKYHOOK_CHAMBER_ID", "SKYHOOK_APP")
        .containsEntry("SKYHOOK_CONTROL", ContainerConfigs.CELL_CONTROL);
    assertThat(cell.binds())
        .contains(
            ContainerConfig.BindMount.receivingMounts(
                Path.of("/data/chambers/cell.python3.11.abcde/guest"), "/opt/guest"),
            new ContainerConfig.BindMount(
                Path.of("/data/chambers/cell.python3.11.abcde/control.sock"),
                ContainerConfigs.CELL_CONTROL,
                true));
    assertThat(cell.annotations())
        .containsKey("dev.impulse.cell")
        .doesNotContainKeys("dev.impulse.chamber", "dev.impulse.spec");
  }

  @Test
  void theSpecialisationLineGivesTheEnvironmentAColdStartWouldHave() {
    Chamber chamber =
        Chamber.starting(
            "app-1-abcde",
            spec("env", Map.of("GREETING", "hi")),
            6000,
            0,
            "cell.python3.11.abcde",
            java.util.Optional.empty());
    String line =
        new String(configs.specialisation(chamber), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(line)
        .contains("\"GREETING\":\"hi\"")
        .contains("\"SKYHOOK_CHAMBER_ID\":\"app-1-abcde\"")
        .contains("\"chamber_id\":\"app-1-abcde\"")
        .doesNotContain("SKYHOOK_PORT")
        .doesNotContain("SKYHOOK_CONTROL")
        .doesNotContain("\n");
  }
}
