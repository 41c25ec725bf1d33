package dev.impulse.image;

import dev.impulse.linux.Mounts;
import dev.impulse.oci.LayerStore;
import dev.impulse.oci.StoredLayer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes layers nothing uses from the layer store: on request ({@code impulse images prune}), and
 * after each pull while the store is over {@code --image-store-max-mb}, least recently stored
 * first. A layer is in use while a pulled runtime names it (also one still served during a new
 * pull) or a mounted overlay on this host stacks it (a chamber or cell of any daemon), read from
 * the kernel's mount table; nothing in use is ever removed, so the cap can be exceeded by what is.
 * Thread-safe.
 */
public final class LayerPrune {
  private static final Logger log = LoggerFactory.getLogger(LayerPrune.class);

  /**
   * What a prune did.
   *
   * @param removed the digests of the layers removed
   * @param freedBytes their file content
   * @param keptBytes the file content of the layers kept
   * @param kept how many were kept
   */
  public record Result(List<String> removed, long freedBytes, long keptBytes, int kept) {}

  private final LayerStore store;
  private final PulledRuntimes pulled;
  private final long capBytes;
  private final AtomicBoolean capping = new AtomicBoolean();

  /** {@code capBytes} 0: no cap. */
  public LayerPrune(LayerStore store, PulledRuntimes pulled, long capBytes) {
    this.store = store;
    this.pulled = pulled;
    this.capBytes = capBytes;
  }

  /** Removes every layer nothing uses. */
  public Result prune() {
    return pulled.whileNoPullStores(inUse -> removeUnused(inUse, 0));
  }

  /**
   * After a pull: when the store is over its cap, removes unused layers in the background until it
   * is under (one such prune at a time; it waits for pulls storing layers).
   */
  public void afterPull() {
    if (capBytes <= 0 || !capping.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("layer-cap")
        .start(() -> {
          try {
            Result result = pulled.whileNoPullStores(inUse -> removeUnused(inUse, capBytes));
            if (!result.removed().isEmpty()) {
              log.info(
                  "layer store over --image-store-max-mb: removed {} unused layers ({} bytes);"
                      + " {} bytes kept",
                  result.removed().size(),
                  result.freedBytes(),
                  result.keptBytes());
            }
          } catch (RuntimeException e) {
            log.warn("layer store: capping it failed: {}", e.getMessage());
          } finally {
            capping.set(false);
          }
        });
  }

  private Result removeUnused(Set<Path> pulledInUse, long targetBytes) {
    try {
      Set<Path> inUse = new HashSet<>();
      pulledInUse.forEach(p -> inUse.add(p.toAbsolutePath().normalize()));
      Mounts.overlayLowerDirs().forEach(p -> inUse.add(p.toAbsolutePath().normalize()));
      List<StoredLayer> layers = new ArrayList<>(store.layers());
      long total = layers.stream().mapToLong(StoredLayer::unpackedBytes).sum();
      layers.sort(Comparator.comparing(LayerPrune::storedAt));
      List<String> removed = new ArrayList<>();
      long freed = 0;
      int kept = 0;
      for (StoredLayer layer : layers) {
        boolean used = inUse.contains(layer.root().toAbsolutePath().normalize());
        if (used || (targetBytes > 0 && total - freed <= targetBytes)) {
          kept++;
          continue;
        }
        if (store.remove(layer.digest())) {
          removed.add(layer.digest().toString());
          freed += layer.unpackedBytes();
        }
      }
      return new Result(removed, freed, total - freed, kept);
    } catch (IOException e) {
      throw new UncheckedIOException("pruning the layer store failed: " + e.getMessage(), e);
    }
  }

  private static FileTime storedAt(StoredLayer layer) {
    try {
      return Files.getLastModifiedTime(layer.root().getParent());
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
