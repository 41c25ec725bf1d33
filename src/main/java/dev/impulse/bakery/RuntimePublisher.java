package dev.impulse.bakery;

import dev.impulse.image.Baseimage;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import dev.impulse.oci.build.BuiltImage;
import dev.impulse.oci.build.ImageLayer;
import dev.impulse.oci.build.ImageSpec;
import dev.impulse.oci.build.ImageWriter;
import dev.impulse.oci.build.LayerBlob;
import dev.impulse.oci.build.LayerCache;
import dev.impulse.oci.build.LayerOptions;
import dev.impulse.oci.build.LayerWriter;
import dev.impulse.oci.build.RunConfig;
import dev.impulse.oci.registry.ImageReference;
import dev.impulse.oci.registry.RegistryClient;
import dev.impulse.oci.registry.RegistrySettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Publishes a built Debian baseimage as a runtime image ({@code impulse runtimes build NAME --push
 * REF}), so other nodes pull it ({@code PUT /runtimes/{name}}) instead of running mmdebstrap: one
 * layer, the root file system as built, with the labels and {@code PATH} that let a node find its
 * interpreter. The layer goes through the same cache as the bakery's, so a node that publishes and
 * bakes writes it once.
 */
public final class RuntimePublisher {
  private RuntimePublisher() {}

  /**
   * Pushes {@code base} to {@code target}; {@code insecure} are registries reached over plain HTTP
   * beyond loopback ones. Returns {@code REGISTRY/REPO:TAG@sha256:...}. Throws {@link
   * BakeryException} for a bad target and {@code RegistryException} when the registry refuses.
   */
  public static String publish(Baseimage base, String target, Set<String> insecure, Path cacheDir)
      throws IOException {
    ImageReference ref = Bakery.target(target);
    RuntimeDefinition runtime = base.runtime();
    LayerCache cache = LayerCache.open(cacheDir);
    LayerBlob root =
        cache.ensure(
            "rootfs " + base.rootfs().getParent().getFileName(),
            file -> new LayerWriter(LayerOptions.ROOT_FILE_SYSTEM).write(base.rootfs(), file));
    RunConfig config =
        RunConfig.EMPTY
            .withEnv(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8")
            .withLabel(ImageRecipe.RUNTIME, runtime.name())
            .withLabel(ImageRecipe.LANGUAGE, runtime.language().id())
            .withLabel("org.opencontainers.image.title", "impulse runtime " + runtime.name())
            .withLabel("org.opencontainers.image.description", "Debian " + runtime.suite());
    if (runtime.interpreter().isPresent()) {
      config = config.withLabel(ImageRecipe.INTERPRETER, runtime.interpreter().get());
    }
    BuiltImage image =
        ImageWriter.write(
            ImageSpec.of(
                config,
                java.util.List.of(
                    new ImageLayer(root, "impulse: Debian " + runtime.suite() + " root"))));
    try (RegistryClient registry =
        new RegistryClient(RegistrySettings.defaults().withInsecureRegistries(insecure))) {
      registry.pushBlob(ref, root.descriptor(), () -> Files.newInputStream(root.file()));
      byte[] configJson = image.configJson();
      registry.pushBlob(ref, image.config(), () -> new ByteArrayInputStream(configJson));
      Digest digest = registry.pushManifest(ref, MediaTypes.OCI_MANIFEST, image.manifestJson());
      return ref + "@" + digest;
    }
  }
}
