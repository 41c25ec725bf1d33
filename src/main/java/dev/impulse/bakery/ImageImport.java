package dev.impulse.bakery;

import dev.impulse.image.FunctionRef;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.Language;
import dev.impulse.image.PulledRuntimes;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.RuntimeImage;
import dev.impulse.linux.LinuxException;
import dev.impulse.linux.RootedDir;
import dev.impulse.oci.StoredLayer;
import dev.impulse.oci.build.LayerOptions;
import dev.impulse.oci.build.LayerWriter;
import dev.impulse.oci.registry.ImagePuller;
import dev.impulse.oci.registry.ImageReference;
import dev.impulse.oci.registry.PulledImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Starts chambers from baked images ({@code POST /chambers {"image": REF}}) on a node that never
 * saw the function: it pulls the image, reads the function and language from its labels, stores its
 * top layer's {@code /opt/guest} as that function version (as an upload would, so a version stored
 * with other content is a conflict), and registers the layers below as runtime {@code
 * image-<digest>}. The chamber is then an ordinary one of that function on that runtime. The
 * chamber gets this node's skyhook layer on top, as every chamber does.
 */
public final class ImageImport {
  private final ImagePuller puller;
  private final PulledRuntimes runtimes;
  private final FunctionStore functions;
  private final Path scratch;

  public ImageImport(
      ImagePuller puller, PulledRuntimes runtimes, FunctionStore functions, Path scratch) {
    this.puller = puller;
    this.runtimes = runtimes;
    this.functions = functions;
    this.scratch = scratch;
  }

  /** The function and runtime a chamber from the image runs. */
  public record Resolved(String app, String version, String runtime) {}

  /**
   * Pulls {@code reference} and makes its function and runtime known. Throws {@link
   * BakeryException} for an image impulse did not bake, {@code RegistryException} when the registry
   * fails, {@code FunctionConflictException} when the version is stored with other content.
   */
  public Resolved resolve(String reference) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new BakeryException("image: " + e.getMessage());
    }
    return runtimes.whileStoring("pulling image " + ref, () -> importImage(ref));
  }

  private Resolved importImage(ImageReference ref) {
    try {
      PulledImage image = puller.pull(ref, progress -> {});
      Map<String, String> labels = image.config().labels();
      String app = label(labels, ImageRecipe.APP, ref);
      String version = label(labels, ImageRecipe.VERSION, ref);
      Language language =
          Language.byId(label(labels, ImageRecipe.LANGUAGE, ref))
              .orElseThrow(() -> notBaked(ref, "its language label names no language"));
      Optional<String> interpreter = Optional.ofNullable(labels.get(ImageRecipe.INTERPRETER));
      List<StoredLayer> layers = image.layers();
      if (layers.size() < 2) {
        throw notBaked(ref, "it has " + layers.size() + " layer; a baked image has a guest on top");
      }
      Path top = layers.getLast().root();
      String guestPath = FunctionStore.GUEST_DIR.substring(1);
      if (!isPlainDirectory(top, guestPath)) {
        throw notBaked(ref, "its top layer has no directory " + FunctionStore.GUEST_DIR);
      }
      Path guest = top.resolve(guestPath);
      List<Path> below =
          layers.subList(0, layers.size() - 1).reversed().stream().map(StoredLayer::root).toList();
      RuntimeDefinition runtime =
          runtimes.register(
              PulledRuntimes.IMAGE_PREFIX + image.manifestDigest().shortHex(),
              language,
              interpreter,
              new RuntimeImage(
                  ref.withDigest(image.manifestDigest()).toString(),
                  image.manifestDigest().toString(),
                  below,
                  image.config().env()));
      store(new FunctionRef(app, version), guest);
      return new Resolved(app, version, runtime.name());
    } catch (IOException e) {
      throw new UncheckedIOException("starting from image " + ref + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new BakeryException(e.getMessage()); // the image's Env, say: what is wrong with it
    }
  }

  /**
   * Stores the guest tree as function {@code ref}, as an upload of it would; a version stored with
   * the same files (this node baked it, or started it before) is taken as it is.
   */
  private void store(FunctionRef ref, Path guest) throws IOException {
    Optional<dev.impulse.image.StoredFunction> stored = functions.find(ref);
    if (stored.isPresent() && functions.holdsSameFiles(stored.get(), guest)) {
      return;
    }
    Files.createDirectories(scratch);
    Path archive = scratch.resolve("import-" + UUID.randomUUID());
    try {
      new LayerWriter(LayerOptions.DEFAULT).write(guest, archive);
      try (InputStream in = Files.newInputStream(archive)) {
        functions.put(ref, in);
      }
    } finally {
      Files.deleteIfExists(archive);
    }
  }

  /**
   * Whether {@code path} is a directory in {@code layer} with no symbolic link on the way: the
   * layer is the image author's, and {@code opt -> /} would make the guest a host directory.
   */
  private static boolean isPlainDirectory(Path layer, String path) {
    try (RootedDir root = RootedDir.open(layer)) {
      return root.stat(path).map(stat -> stat.type() == RootedDir.FileType.DIRECTORY).orElse(false);
    } catch (LinuxException e) {
      if (e.isPathRefused()) {
        return false; // a symbolic link on the way
      }
      throw e;
    }
  }

  private static String label(Map<String, String> labels, String name, ImageReference ref) {
    String value = labels.get(name);
    if (value == null || value.isBlank()) {
      throw notBaked(ref, "it has no label " + name);
    }
    return value;
  }

  private static BakeryException notBaked(ImageReference ref, String why) {
    return new BakeryException(
        "image "
            + ref
            + " is not one impulse baked ("
            + why
            + "); bake one with POST /functions/{app}/{version}/images, or run a runtime image"
            + " with PUT /runtimes/{name}");
  }
}
