package dev.impulse.daemon;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How the daemon talks to image registries and how much disk its layer store may take.
 *
 * @param insecureRegistries registries ({@code HOST[:PORT]}) spoken to over plain HTTP; loopback
 *     registries always are, every other one over HTTPS only
 * @param authFile credentials for registries, in the containers auth file format that podman and
 *     skopeo read ({@code {"auths": {"HOST[:PORT]": {"auth": base64(USER:PASSWORD)}}}}); none:
 *     anonymous pulls and pushes only
 * @param imageStoreMaxMb the layer store's cap: past it, layers no runtime and no chamber uses are
 *     removed, least recently pulled first; 0: no cap
 */
public record RegistryConfig(
    List<String> insecureRegistries, Optional<Path> authFile, long imageStoreMaxMb) {
  private static final Pattern HOST_PORT =
      Pattern.compile(
          "[A-Za-z0-9]([A-Za-z0-9.-]{0,252})(:[0-9]{1,5})?|\\[[0-9a-fA-F:]+](:[0-9]{1,5})?");

  public RegistryConfig {
    insecureRegistries = List.copyOf(insecureRegistries);
    for (String registry : insecureRegistries) {
      if (!HOST_PORT.matcher(registry).matches()) {
        throw new IllegalArgumentException(
            "--insecure-registry takes HOST or HOST:PORT (no scheme, no path), not '"
                + registry
                + "'");
      }
    }
    if (imageStoreMaxMb < 0) {
      throw new IllegalArgumentException(
          "--image-store-max-mb must be 0 (no cap) or more, not " + imageStoreMaxMb);
    }
  }

  /** The documented defaults: no insecure registry, no credentials, no cap. */
  public static RegistryConfig defaults() {
    return new RegistryConfig(List.of(), Optional.empty(), 0);
  }
}
