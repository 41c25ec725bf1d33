package dev.impulse.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.oci.registry.RegistryCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads registry credentials from a containers auth file, the format podman, skopeo and buildah
 * share: {@code {"auths": {"HOST[:PORT]": {"auth": "BASE64(USER:PASSWORD)"}}}}. Read once at start;
 * what it holds is never logged.
 */
final class RegistryAuthFile {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(RegistryAuthFile.class);
  private static final long MAX_BYTES = 1 << 20;

  private RegistryAuthFile() {}

  static Map<String, RegistryCredentials> read(Path file, ObjectMapper json) {
    try {
      if (Files.getPosixFilePermissions(file).stream()
          .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        log.warn(
            "--registry-auth-file {} can be read by other users than its owner; chmod 600 it",
            file);
      }
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            "--registry-auth-file " + file + " is over " + MAX_BYTES + " bytes");
      }
      JsonNode auths = json.readTree(Files.readAllBytes(file)).path("auths");
      Map<String, RegistryCredentials> credentials = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> entry : auths.properties()) {
        String registry = entry.getKey().replaceFirst("^https?://", "").replaceFirst("/.*$", "");
        String auth = entry.getValue().path("auth").asText("");
        if (auth.isEmpty()) {
          // identity tokens and credential helpers are podman's own; impulse sends Basic only
          log.warn(
              "--registry-auth-file {}: {} has no \"auth\" (USER:PASSWORD); it is left out",
              file,
              registry);
          continue;
        }
        String decoded;
        try {
          decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "--registry-auth-file " + file + ": the auth of " + registry + " is not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException(
              "--registry-auth-file "
                  + file
                  + ": the auth of "
                  + registry
                  + " is not base64 of USER:PASSWORD");
        }
        credentials.put(
            registry,
            new RegistryCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
      }
      return credentials;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--registry-auth-file " + file + " cannot be read: " + e.getMessage(), e);
    }
  }
}
