package dev.impulse.bakery;

import dev.impulse.image.Baseimage;
import dev.impulse.image.Baseimages;
import dev.impulse.image.FunctionRef;
import dev.impulse.image.FunctionStore;
import dev.impulse.image.RuntimeDefinition;
import dev.impulse.image.Runtimes;
import dev.impulse.image.StoredFunction;
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
import dev.impulse.oci.registry.ImageReference;
import dev.impulse.oci.registry.RegistryClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bakes stored functions into OCI images and pushes them. An image is the runtime's root layers (a
 * Debian root file system as one layer, or a pulled runtime's layers written back from the layer
 * store), the skyhook layer and the guest layer. All but the guest's are written once into the
 * {@link LayerCache} (writing a 150 MB root takes seconds; every later bake of that runtime reuses
 * the blob, and a registry that has it is not sent it again); the guest layer is written per bake
 * into a scratch file. {@link ImageRecipe} says what the config holds.
 *
 * <p>Bounds: one bake at a time ({@value #PARALLEL_BAKES}); the cache holds one root layer per
 * baseimage version and one skyhook layer per wrapper version ever baked on this node (about 50 MB
 * for a Python root); nothing removes old versions yet. Thread-safe.
 */
public final class Bakery {
  private static final Logger log = LoggerFactory.getLogger(Bakery.class);
  static final int PARALLEL_BAKES = 1;

  private final Runtimes runtimes;
  private final Baseimages baseimages;
  private final FunctionStore functions;
  private final LayerCache cache;
  private final Path scratch;
  private final RegistryClient registry;
  private final Semaphore bakes = new Semaphore(PARALLEL_BAKES);

  public Bakery(
      Runtimes runtimes,
      Baseimages baseimages,
      FunctionStore functions,
      LayerCache cache,
      Path scratch,
      RegistryClient registry)
      throws IOException {
    this.runtimes = runtimes;
    this.baseimages = baseimages;
    this.functions = functions;
    this.cache = cache;
    this.scratch = Files.createDirectories(scratch);
    this.registry = registry;
    try (var leftovers = Files.list(scratch)) {
      for (Path file : leftovers.toList()) {
        Files.deleteIfExists(file); // guest layers of bakes a crash cut short
      }
    }
  }

  /** The result of a push: the reference pushed to and the manifest's digest. */
  public record Pushed(String reference, Digest digest) {}

  /**
   * Bakes function {@code ref} on {@code runtime} into an image, for the caller to push or write
   * and then close. Throws {@code UnknownFunctionException}, {@code UnknownRuntimeException} or
   * {@link BakeryException}.
   */
  public BakedImage bake(FunctionRef ref, String runtime) throws IOException {
    StoredFunction function = functions.require(ref);
    RuntimeDefinition definition = runtimes.resolve(runtime);
    definition.requireGuest(function);
    acquire();
    try {
      Baseimage base = baseimages.ensureBuilt(definition);
      long started = System.nanoTime();
      List<ImageLayer> layers = new java.util.ArrayList<>(rootLayers(definition, base));
      LayerBlob skyhook =
          cache.ensure(
              "skyhook " + base.skyhookLayer().getFileName(),
              file -> new LayerWriter(LayerOptions.DEFAULT).write(base.skyhookLayer(), file));
      Path guestFile = scratch.resolve("guest-" + UUID.randomUUID());
      try {
        LayerBlob guest = new LayerWriter(LayerOptions.DEFAULT).write(function.layer(), guestFile);
        layers.add(new ImageLayer(skyhook, "impulse: the skyhook wrappers"));
        layers.add(new ImageLayer(guest, "impulse: function " + ref));
        ImageSpec spec = ImageSpec.of(ImageRecipe.runConfig(definition, ref), layers);
        BuiltImage image = ImageWriter.write(spec);
        log.info(
            "bakery: baked {} on {} as {} in {} ms",
            ref,
            definition.name(),
            image.digest().shortHex(),
            (System.nanoTime() - started) / 1_000_000);
        return new BakedImage(image, ref.app() + "-" + ref.version(), guestFile);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(guestFile);
        throw e;
      }
    } finally {
      bakes.release();
    }
  }

  /**
   * The runtime's root file system as image layers, bottom first, through the cache: a Debian root
   * as one layer; a pulled runtime's layers each written back from the layer store, its whiteouts
   * and opaque directories as OCI's markers (the store keeps layers unpacked, not their blobs),
   * keyed by the blob's digest.
   */
  private List<ImageLayer> rootLayers(RuntimeDefinition runtime, Baseimage base)
      throws IOException {
    if (runtime.image().isEmpty()) {
      LayerBlob root =
          cache.ensure(
              "rootfs " + base.rootfs().getParent().getFileName(),
              file -> new LayerWriter(LayerOptions.ROOT_FILE_SYSTEM).write(base.rootfs(), file));
      return List.of(new ImageLayer(root, "impulse: Debian " + runtime.suite() + " root"));
    }
    List<ImageLayer> layers = new java.util.ArrayList<>();
    for (Path tree : runtime.image().get().layers().reversed()) {
      String digest = tree.getParent().getFileName().toString(); // sha256/<hex>/fs
      LayerBlob blob =
          cache.ensure(
              "pulled " + digest,
              file -> new LayerWriter(LayerOptions.DEFAULT.fromOverlayLayer()).write(tree, file));
      layers.add(
          new ImageLayer(
              blob,
              "impulse: layer sha256:" + digest + " of " + runtime.image().get().reference()));
    }
    return layers;
  }

  /** Parses a push target; throws {@link BakeryException} saying what a reference looks like. */
  public static ImageReference target(String reference) {
    try {
      ImageReference parsed = ImageReference.parse(reference);
      if (parsed.tag().isEmpty()) {
        throw new BakeryException(
            "push to a tag (REGISTRY/REPO:TAG), not a digest: the digest is the image's own");
      }
      return parsed;
    } catch (IllegalArgumentException e) {
      throw new BakeryException("push: " + e.getMessage());
    }
  }

  /** Pushes a baked image to {@code target}: layers the registry lacks, config, manifest. */
  public Pushed push(BakedImage baked, ImageReference target) throws IOException {
    BuiltImage image = baked.image();
    long started = System.nanoTime();
    for (LayerBlob layer : image.layers()) {
      registry.pushBlob(target, layer.descriptor(), () -> Files.newInputStream(layer.file()));
    }
    byte[] config = image.configJson();
    registry.pushBlob(target, image.config(), () -> new ByteArrayInputStream(config));
    Digest digest = registry.pushManifest(target, MediaTypes.OCI_MANIFEST, image.manifestJson());
    log.info(
        "bakery: pushed {} as {} in {} ms",
        target,
        digest.shortHex(),
        (System.nanoTime() - started) / 1_000_000);
    return new Pushed(target.toString(), digest);
  }

  private void acquire() throws IOException {
    try {
      bakes.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for the bakery");
    }
  }
}
