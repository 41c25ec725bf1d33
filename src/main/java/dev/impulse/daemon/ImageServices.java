package dev.impulse.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.bakery.Bakery;
import dev.impulse.bakery.ImageImport;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.InvalidRuntimeImageException;
import dev.impulse.image.LayerPrune;
import dev.impulse.image.PulledRuntimes;
import dev.impulse.image.RuntimeCatalog;
import dev.impulse.image.RuntimeImage;
import dev.impulse.image.RuntimePullException;
import dev.impulse.image.RuntimePuller;
import dev.impulse.image.Runtimes;
import dev.impulse.oci.LayerLimits;
import dev.impulse.oci.LayerStore;
import dev.impulse.oci.StoredLayer;
import dev.impulse.oci.build.LayerCache;
import dev.impulse.oci.registry.ImagePuller;
import dev.impulse.oci.registry.ImageReference;
import dev.impulse.oci.registry.PullProgress;
import dev.impulse.oci.registry.PulledImage;
import dev.impulse.oci.registry.RegistryClient;
import dev.impulse.oci.registry.RegistryException;
import dev.impulse.oci.registry.RegistrySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The daemon's image side, wired: the layer store ({@code <data-dir>/layers}), the registry client,
 * and the runtimes pulled through them ({@code <data-dir>/runtimes}).
 */
final class ImageServices implements AutoCloseable {
  private final LayerStore layers;
  private final RegistryClient registry;
  private final Runtimes runtimes;
  private final LayerPrune prune;
  private final ImagePuller puller;

  private ImageServices(
      LayerStore layers,
      RegistryClient registry,
      ImagePuller puller,
      Runtimes runtimes,
      LayerPrune prune) {
    this.puller = puller;
    this.layers = layers;
    this.registry = registry;
    this.runtimes = runtimes;
    this.prune = prune;
  }

  static ImageServices open(
      DaemonConfig config,
      RuntimeCatalog catalog,
      Baseimages baseimages,
      dev.impulse.store.SpaceCheck space,
      ObjectMapper json) {
    RegistryConfig settings = config.registry();
    RegistrySettings registrySettings =
        RegistrySettings.defaults()
            .withInsecureRegistries(Set.copyOf(settings.insecureRegistries()))
            .withCredentials(
                settings
                    .authFile()
                    .map(f -> RegistryAuthFile.read(f, json))
                    .orElse(java.util.Map.of()));
    try {
      LayerStore layers = LayerStore.open(config.dataDir().resolve("layers"), LayerLimits.DEFAULT);
      RegistryClient registry = new RegistryClient(registrySettings);
      ImagePuller puller = new ImagePuller(registry, layers);
      Set<String> reserved = new HashSet<>(catalog.names());
      LayerPrune[] prune = new LayerPrune[1];
      PulledRuntimes pulled =
          new PulledRuntimes(
              config.dataDir().resolve("runtimes"),
              new Puller(puller, () -> prune[0].afterPull()),
              baseimages::skyhookLayer,
              reserved,
              space::require);
      prune[0] = new LayerPrune(layers, pulled, settings.imageStoreMaxMb() * 1024 * 1024);
      return new ImageServices(
          layers, registry, puller, new Runtimes(catalog, Optional.of(pulled)), prune[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open the layer store or the pulled runtimes: " + e.getMessage(), e);
    }
  }

  /** The bakery, its layer cache at {@code <data-dir>/bakery}. */
  Bakery bakery(Path dataDir, Baseimages baseimages, FunctionStore functions) {
    try {
      Path home = dataDir.resolve("bakery");
      return new Bakery(
          runtimes,
          baseimages,
          functions,
          LayerCache.open(home.resolve("layers")),
          home.resolve("tmp"),
          registry);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the bakery: " + e.getMessage(), e);
    }
  }

  /** Chambers from baked images: pulls through this node's puller into its layer store. */
  ImageImport imageImport(Path dataDir, FunctionStore functions) {
    return new ImageImport(
        puller, runtimes.pulled().orElseThrow(), functions, dataDir.resolve("bakery/tmp"));
  }

  Runtimes runtimes() {
    return runtimes;
  }

  LayerStore layers() {
    return layers;
  }

  RegistryClient registry() {
    return registry;
  }

  LayerPrune prune() {
    return prune;
  }

  @Override
  public void close() {
    registry.close();
  }

  /** {@link RuntimePuller} over the registry client, progress as one line. */
  private record Puller(ImagePuller puller, Runnable afterPull) implements RuntimePuller {
    @Override
    public String canonical(String reference) {
      try {
        return ImageReference.parse(reference).toString();
      } catch (IllegalArgumentException e) {
        throw new InvalidRuntimeImageException(e.getMessage());
      }
    }

    @Override
    public RuntimeImage pull(String reference, Consumer<String> progress) {
      PulledImage image;
      try {
        image = puller.pull(ImageReference.parse(reference), p -> progress.accept(line(p)));
      } catch (RegistryException e) {
        throw new RuntimePullException(e.getMessage(), e);
      } catch (IOException e) {
        throw new RuntimePullException(
            "pulling " + reference + " failed on this node: " + e.getMessage(), e);
      } finally {
        afterPull.run();
      }
      List<Path> top = image.layers().reversed().stream().map(StoredLayer::root).toList();
      try {
        return new RuntimeImage(
            reference, image.manifestDigest().toString(), top, image.config().env());
      } catch (IllegalArgumentException e) {
        throw new RuntimePullException(e.getMessage(), e);
      }
    }

    private static String line(PullProgress p) {
      return String.format(
          Locale.ROOT,
          "layer %d of %d, %.1f of %.1f MB",
          p.layersDone(),
          p.layersTotal(),
          p.bytesDone() / 1e6,
          p.bytesTotal() / 1e6);
    }
  }
}
