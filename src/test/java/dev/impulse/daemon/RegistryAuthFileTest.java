package dev.impulse.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.oci.registry.RegistryCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryAuthFileTest {
  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();

  private static String auth(String userColonPassword) {
    return Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsThePodmanFormatWithAndWithoutSchemesAndKeepsColonsInPasswords() throws IOException {
    Path file = dir.resolve("auth.json");
    Files.writeString(
        file,
        "{\"auths\": {\"registry.test:5000\": {\"auth\": \""
            + auth("ci:s3:cret")
            + "\"}, \"https://other.test/v1/\": {\"auth\": \""
            + auth("me:pw")
            + "\"}}}");
    Map<String, RegistryCredentials> credentials = RegistryAuthFile.read(file, json);
    assertThat(credentials)
        .containsEntry("registry.test:5000", new RegistryCredentials("ci", "s3:cret"))
        .containsEntry("other.test", new RegistryCredentials("me", "pw"));
  }

  @Test
  void aBrokenEntryIsRefusedNamingTheRegistryButNeverTheSecret() throws IOException {
    Path file = dir.resolve("auth.json");
    Files.writeString(
        file, "{\"auths\": {\"registry.test\": {\"auth\": \"" + auth("no-colon-secret") + "\"}}}");
    assertThatThrownBy(() -> RegistryAuthFile.read(file, json))
        .hasMessageContaining("registry.test")
        .hasMessageContaining("USER:PASSWORD")
        .hasMessageNotContaining("no-colon-secret");
    Files.writeString(file, "{\"auths\": {\"registry.test\": {\"auth\": \"%%%\"}}}");
    assertThatThrownBy(() -> RegistryAuthFile.read(file, json)).hasMessageContaining("base64");
    assertThatThrownBy(() -> RegistryAuthFile.read(dir.resolve("missing.json"), json))
        .hasMessageContaining("cannot be read");
  }
}
