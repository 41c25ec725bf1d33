package dev.impulse.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentRequestTest {
  @Test
  void theBodyListsVersionRuntimeEnvThenTheGivenSettingsInTheirOrder() {
    Map<String, Number> settings = new LinkedHashMap<>();
    settings.put("maxChambers", 4);
    settings.put("memoryMb", 128L);
    DeploymentRequest request =
        new DeploymentRequest("1.0.0", "python3.11", Map.of("B", "2", "A", "1"), settings);
    assertThat(request.body())
        .containsExactly(
            Map.entry("version", "1.0.0"),
            Map.entry("runtime", "python3.11"),
            Map.entry("env", Map.of("A", "1", "B", "2")),
            Map.entry("memoryMb", 128L),
            Map.entry("maxChambers", 4));
    assertThat(request.env().keySet()).containsExactly("A", "B");
  }

  @Test
  void noEnvAndNoSettingsLeaveThemOut() {
    assertThat(new DeploymentRequest("1", "python3", Map.of(), Map.of()).body())
        .containsOnlyKeys("version", "runtime");
  }

  @Test
  void anUnknownSettingIsRefused() {
    assertThatThrownBy(() -> new DeploymentRequest("1", "python3", Map.of(), Map.of("memory", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'memory' is not a deployment setting");
  }
}
