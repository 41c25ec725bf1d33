package dev.impulse.cli;

import dev.impulse.daemon.RegistryConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Registries and the layer store's cap; a mixin of {@link DaemonOptions}. */
final class RegistryOptions {
  @Option(
      names = "--insecure-registry",
      split = ",",
      defaultValue = "${env:IMPULSE_INSECURE_REGISTRY:-}",
      description =
          "HOST[:PORT] of a registry spoken to over plain HTTP (repeat, or separate with commas);"
              + " loopback registries always are, every other one over HTTPS only")
  List<String> insecureRegistries;

  @Option(
      names = "--registry-auth-file",
      defaultValue = "${env:IMPULSE_REGISTRY_AUTH_FILE:-}",
      description =
          "Credentials for registries in the containers auth file format podman and skopeo use"
              + " ({\"auths\": {\"HOST\": {\"auth\": \"BASE64(USER:PASSWORD)\"}}}); none: anonymous")
  String authFile;

  @Option(
      names = "--image-store-max-mb",
      defaultValue = "${env:IMPULSE_IMAGE_STORE_MAX_MB:-0}",
      description =
          "Cap of the layer store: past it, layers nothing uses are removed after each pull"
              + " (default: ${DEFAULT-VALUE}, no cap)")
  long imageStoreMaxMb;

  RegistryConfig toConfig() {
    return new RegistryConfig(
        insecureRegistries == null
            ? List.of()
            : insecureRegistries.stream().filter(r -> !r.isBlank()).toList(),
        authFile == null || authFile.isBlank() ? Optional.empty() : Optional.of(Path.of(authFile)),
        imageStoreMaxMb);
  }
}
