package dev.impulse.oci.registry;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.InvalidLayerException;
import dev.impulse.oci.LayerMediaType;
import dev.impulse.oci.LayerStore;
import dev.impulse.oci.StoredLayer;
import dev.impulse.oci.UnsupportedLayerException;
import dev.impulse.oci.registry.RegistryException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls an image into a {@link LayerStore}: manifest, config (verified, linux/amd64 only), then
 * each layer, unpacked by the store while its blob streams in, and checked against the config's
 * diffID, so the layers are the image the config describes. Up to {@value #PARALLEL_LAYERS} layers
 * are fetched at a time, each on a virtual thread; once one fails no further layer is started, and
 * the pull fails when those under way have ended.
 *
 * <p>Layers already stored are not fetched again. A layer whose content does not match the diffID
 * the config names fails the pull but stays stored: a blob's diffID follows from its bytes, so the
 * config is what is wrong, and another image's pull may be stacking the same layer at this moment;
 * a prune removes it once nothing names it. A layer the store refuses is fetched once more and
 * hashed, to tell a corrupt blob ({@link Kind#DIGEST_MISMATCH}) from an authentic one that is
 * unsafe ({@link Kind#UNSUPPORTED}).
 *
 * <p>Thread-safe: pulls may run concurrently; the store shares the unpack of a common layer.
 */
public final class ImagePuller {
  private static final Logger log = LoggerFactory.getLogger(ImagePuller.class);
  static final int PARALLEL_LAYERS = 3;

  private final RegistryClient client;
  private final LayerStore store;

  public ImagePuller(RegistryClient client, LayerStore store) {
    this.client = client;
    this.store = store;
  }

  /**
   * Pulls {@code ref}, reporting to {@code progress} (called from the pulling threads, one call at
   * a time). Registry failures and refusals are {@link RegistryException}s; {@link IOException}s
   * are the store's disk or an interrupt.
   */
  public PulledImage pull(ImageReference ref, Consumer<PullProgress> progress) throws IOException {
    long started = System.nanoTime();
    ImageManifest manifest = client.manifest(ref);
    ImageConfig config = config(ref, manifest);
    List<Descriptor> blobs = manifest.layers();
    if (config.diffIds().size() != blobs.size()) {
      throw new RegistryException(
          Kind.PROTOCOL,
          ref,
          "manifest " + manifest.digest(),
          "the image is inconsistent: its config lists "
              + config.diffIds().size()
              + " diff_ids, its manifest "
              + blobs.size()
              + " layers",
          "build and push the image again");
    }
    List<LayerMediaType> types = new ArrayList<>();
    for (Descriptor blob : blobs) {
      try {
        types.add(LayerMediaType.parse(blob.mediaType()));
      } catch (UnsupportedLayerException e) {
        throw new RegistryException(
            Kind.UNSUPPORTED, ref, "layer " + blob.digest(), e.getMessage(), "", e);
      }
    }
    Progress tracker =
        new Progress(blobs.size(), blobs.stream().mapToLong(Descriptor::size).sum(), progress);
    tracker.report();
    List<StoredLayer> layers = layers(ref, blobs, types, config.diffIds(), tracker);
    log.info(
        "pulled {} ({}): {} layers, {} bytes, in {} ms",
        ref,
        manifest.digest().shortHex(),
        layers.size(),
        tracker.bytesTotal,
        (System.nanoTime() - started) / 1_000_000);
    return new PulledImage(ref, manifest.digest(), config, layers);
  }

  private ImageConfig config(ImageReference ref, ImageManifest manifest) throws IOException {
    Descriptor blob = manifest.config();
    byte[] bytes = client.blob(ref, blob, client.settings().maxConfigBytes());
    ImageConfig config;
    try {
      config = ImageConfig.parse(bytes);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          Kind.PROTOCOL,
          ref,
          "config " + blob.digest(),
          e.getMessage(),
          "build and push the image again",
          e);
    }
    if (!config.os().equals(Manifests.OS)
        || !config.architecture().equals(Manifests.ARCHITECTURE)) {
      throw new RegistryException(
          Kind.UNSUPPORTED,
          ref,
          "config " + blob.digest(),
          "the image is for "
              + platform(config.os())
              + "/"
              + platform(config.architecture())
              + ", and impulse runs linux/amd64 images",
          "pull the image's linux/amd64 variant, or build one");
    }
    return config;
  }

  private List<StoredLayer> layers(
      ImageReference ref,
      List<Descriptor> blobs,
      List<LayerMediaType> types,
      List<Digest> diffIds,
      Progress progress)
      throws IOException {
    AtomicBoolean failed = new AtomicBoolean();
    Semaphore slots = new Semaphore(PARALLEL_LAYERS);
    List<Future<Optional<StoredLayer>>> tasks = new ArrayList<>();
    try (ExecutorService threads =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pull-layer-", 0).factory())) {
      for (int i = 0; i < blobs.size(); i++) {
        int index = i;
        tasks.add(
            threads.submit(() -> {
              slots.acquire();
              try {
                if (failed.get()) {
                  return Optional.<StoredLayer>empty(); // another layer failed: start no more
                }
                StoredLayer layer =
                    layer(ref, blobs.get(index), types.get(index), diffIds.get(index));
                progress.layerDone(blobs.get(index).size());
                return Optional.of(layer);
              } catch (Throwable e) {
                failed.set(true);
                throw e;
              } finally {
                slots.release();
              }
            }));
      }
    }
    List<StoredLayer> layers = new ArrayList<>();
    for (Future<Optional<StoredLayer>> task : tasks) {
      if (task.state() == Future.State.FAILED) {
        throw rethrow(task.exceptionNow());
      }
    }
    for (Future<Optional<StoredLayer>> task : tasks) {
      layers.add(task.resultNow().orElseThrow());
    }
    return layers;
  }

  private StoredLayer layer(ImageReference ref, Descriptor blob, LayerMediaType type, Digest diffId)
      throws IOException {
    StoredLayer layer;
    try {
      layer = store.ensure(blob.digest(), type, () -> client.openBlob(ref, blob));
    } catch (InvalidLayerException e) {
      throw refused(ref, blob, e);
    } catch (IOException e) {
      throw registryCause(e).orElseThrow(() -> e);
    }
    if (!layer.diffId().equals(diffId)) {
      throw new RegistryException(
          Kind.DIGEST_MISMATCH,
          ref,
          "layer " + blob.digest(),
          "it unpacks to the diffID " + layer.diffId() + ", but the image config names " + diffId,
          "the image is inconsistent: build and push it again");
    }
    return layer;
  }

  /**
   * The failure for a layer the store refused: the blob is fetched again and hashed, since a
   * corrupt blob often fails as an invalid archive before the store reaches its end and digest.
   */
  private RegistryException refused(ImageReference ref, Descriptor blob, InvalidLayerException e)
      throws IOException {
    String subject = "layer " + blob.digest();
    MessageDigest sha256 = Digest.sha256();
    try (InputStream in = new DigestInputStream(client.openBlob(ref, blob), sha256)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException again) {
      RegistryException failure = registryCause(again).orElseThrow(() -> again);
      failure.addSuppressed(e);
      return failure;
    }
    Digest actual = Digest.of(sha256);
    if (!actual.equals(blob.digest())) {
      return new RegistryException(
          Kind.DIGEST_MISMATCH,
          ref,
          subject,
          "the registry serves a blob whose digest is " + actual,
          RegistryErrors.remedy(Kind.DIGEST_MISMATCH, ref, "blob", client.settings()),
          e);
    }
    return new RegistryException(
        Kind.UNSUPPORTED,
        ref,
        subject,
        "the layer store refuses it: " + e.getMessage(),
        "the image holds a layer impulse will not unpack; build it otherwise",
        e);
  }

  /** The registry's failure behind a blob stream's {@link IOException}, if it was one. */
  private static Optional<RegistryException> registryCause(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof RegistryException failure) {
        return Optional.of(failure);
      }
    }
    return Optional.empty();
  }

  private static IOException rethrow(Throwable failure) {
    switch (failure) {
      case RuntimeException e -> throw e;
      case Error e -> throw e;
      case IOException e -> {
        return e;
      }
      case InterruptedException e -> {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("interrupted while pulling a layer");
      }
      default -> {
        return new IOException(failure);
      }
    }
  }

  private static String platform(String value) {
    return value.isEmpty() ? "(none)" : Sanitize.text(value);
  }

  /** The pull's progress, reported one call at a time. */
  private static final class Progress {
    private final int layersTotal;
    private final long bytesTotal;
    private final Consumer<PullProgress> consumer;
    private int layersDone;
    private long bytesDone;

    Progress(int layersTotal, long bytesTotal, Consumer<PullProgress> consumer) {
      this.layersTotal = layersTotal;
      this.bytesTotal = bytesTotal;
      this.consumer = consumer;
    }

    synchronized void layerDone(long bytes) {
      layersDone++;
      bytesDone += bytes;
      report();
    }

    synchronized void report() {
      consumer.accept(new PullProgress(layersDone, layersTotal, bytesDone, bytesTotal));
    }
  }
}
